#include "esbio/tasks/evidence_data.hpp"

#include <algorithm>

#include "esbio/core/random.hpp"

namespace esbio::tasks {

namespace {

// Each trial owns one counter stream (member = trial index): its variates are consumed in order,
// rejections included, so a trial never depends on how many others were drawn.
evidence_trial draw_trial(std::uint64_t seed, std::uint32_t generation, std::uint32_t trial) {
  const random_stream rs(seed, stream::batch, generation, trial);
  std::uint64_t i = 0;
  evidence_trial t{};
  for (;;) {
    int c[3];
    for (int& x : c) x = static_cast<int>(rs.below(i++, 50));
    if (c[0] + c[1] + c[2] > evidence_tokens - 1) continue;
    const int top = std::max({c[0], c[1], c[2]});
    if ((c[0] == top) + (c[1] == top) + (c[2] == top) > 1) continue;
    t.counts = {c[0], c[1], c[2]};
    t.label = c[0] == top ? 0 : (c[1] == top ? 1 : 2);
    break;
  }
  int k = 0;
  for (int cls = 0; cls < evidence_classes; ++cls)
    for (int r = 0; r < t.counts[cls]; ++r) t.tokens[k++] = static_cast<std::uint8_t>(cls);
  while (k < evidence_tokens - 1) t.tokens[k++] = null_word;
  for (int j = evidence_tokens - 2; j > 0; --j) {  // Fisher-Yates over the 49 tokens
    const auto r = static_cast<int>(rs.below(i++, static_cast<std::uint64_t>(j + 1)));
    std::swap(t.tokens[j], t.tokens[r]);
  }
  t.tokens[evidence_tokens - 1] = eos;
  return t;
}

}  // namespace

std::vector<evidence_trial> evidence_batch(std::uint64_t seed, std::uint32_t generation,
                                           std::size_t n, std::uint32_t first) {
  std::vector<evidence_trial> out;
  out.reserve(n);
  for (std::size_t t = 0; t < n; ++t)
    out.push_back(draw_trial(seed, generation, first + static_cast<std::uint32_t>(t)));
  return out;
}

std::vector<double> evidence_embeddings(std::uint64_t seed) {
  std::vector<double> e(vocabulary * evidence_embedding);
  const random_stream rs(seed, stream::data, 0, 1);
  std::uint64_t i = 0;
  for (int w = 0; w < vocabulary; ++w) {
    for (;;) {
      for (int d = 0; d < evidence_embedding; ++d)
        e[w * evidence_embedding + d] = rs.uniform(i++) < 0.5 ? 0.0 : 0.2;
      bool distinct = true;
      for (int u = 0; u < w && distinct; ++u)
        distinct = !std::equal(e.begin() + u * evidence_embedding,
                               e.begin() + (u + 1) * evidence_embedding,
                               e.begin() + w * evidence_embedding);
      if (distinct) break;
    }
  }
  return e;
}

}  // namespace esbio::tasks
