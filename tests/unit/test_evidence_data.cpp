#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "esbio/tasks/evidence_data.hpp"

using namespace esbio::tasks;

TEST_CASE("evidence trials: 49 tokens with the drawn counts, then <eos>, label the argmax") {
  const auto batch = evidence_batch(1, 0, 500);
  for (const auto& t : batch) {
    int counts[5] = {};
    for (int k = 0; k < 49; ++k) counts[t.tokens[k]]++;
    CHECK(t.tokens[49] == eos);
    CHECK(counts[eos] == 0);
    for (int c = 0; c < 3; ++c) CHECK(counts[c] == t.counts[c]);
    CHECK(counts[null_word] == 49 - t.counts[0] - t.counts[1] - t.counts[2]);
    const int top = std::max({t.counts[0], t.counts[1], t.counts[2]});
    CHECK(t.counts[t.label] == top);
    int at_top = 0;
    for (int c : t.counts) at_top += c == top;
    CHECK(at_top == 1);  // ties are rejected
  }
}

TEST_CASE("evidence counts are uniform over the untied triples") {
  // Of the C(52,3) = 22100 triples with sum <= 49, count those with a unique maximum; each must
  // be equally likely, so e.g. the total count sum s has probability (#untied with sum s) / total.
  std::map<int, int> untied_by_sum;
  int untied = 0;
  for (int a = 0; a < 50; ++a)
    for (int b = 0; a + b < 50; ++b)
      for (int c = 0; a + b + c < 50; ++c) {
        const int top = std::max({a, b, c});
        if ((a == top) + (b == top) + (c == top) == 1) {
          untied_by_sum[(a + b + c) / 10]++;
          ++untied;
        }
      }
  const int n = 20000;
  std::map<int, int> seen;
  std::map<int, int> labels;
  for (const auto& t : evidence_batch(7, 3, n)) {
    seen[(t.counts[0] + t.counts[1] + t.counts[2]) / 10]++;
    labels[t.label]++;
  }
  for (const auto& [bin, cnt] : untied_by_sum) {
    const double p = double(cnt) / untied;
    CHECK(std::abs(seen[bin] / double(n) - p) < 5 * std::sqrt(p * (1 - p) / n));
  }
  for (int c = 0; c < 3; ++c) CHECK(std::abs(labels[c] / double(n) - 1.0 / 3) < 0.015);
}

TEST_CASE("the order of tokens is shuffled uniformly") {
  // Position of evidence tokens: every one of the 49 positions equally likely.
  std::map<int, int> evid_at;
  int evid_total = 0;
  for (const auto& t : evidence_batch(11, 0, 4000))
    for (int k = 0; k < 49; ++k)
      if (t.tokens[k] < 3) {
        evid_at[k]++;
        ++evid_total;
      }
  for (int k = 0; k < 49; ++k) {
    const double p = 1.0 / 49;
    CHECK(std::abs(evid_at[k] / double(evid_total) - p) < 5 * std::sqrt(p * (1 - p) / evid_total));
  }
}

TEST_CASE("trials are pure functions of (seed, generation, index)") {
  const auto a = evidence_batch(5, 9, 10), b = evidence_batch(5, 9, 4, 6);
  for (int k = 0; k < 4; ++k) CHECK(a[6 + k].tokens == b[k].tokens);
  CHECK(evidence_batch(5, 10, 1)[0].tokens != a[0].tokens);
}

TEST_CASE("embeddings: distinct binary rows scaled by 1/5") {
  const auto e = evidence_embeddings(3);
  REQUIRE(e.size() == 5 * 50);
  std::set<std::vector<double>> rows;
  for (int w = 0; w < 5; ++w) {
    std::vector<double> r(e.begin() + w * 50, e.begin() + (w + 1) * 50);
    for (double x : r) CHECK((x == 0.0 || x == 0.2));
    rows.insert(r);
  }
  CHECK(rows.size() == 5);
  CHECK(evidence_embeddings(3) == e);
}
