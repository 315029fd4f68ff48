// dist.update = sliced rests on two identities: a slice of a member's noise is the same bits as
// that stretch of the whole (full and low-rank noise, across blocks), and the estimate assembled
// from slices is the same bits as the whole estimate (each coordinate sums the members in order).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "esbio/core/error.hpp"
#include "esbio/core/evaluation.hpp"
#include "esbio/core/random.hpp"
#include "esbio/es/gradient_estimator.hpp"
#include "esbio/es/noise.hpp"

using namespace esbio;
using namespace esbio::es;

namespace {

// Matrices and vectors of odd sizes: slices start and end at odd offsets, inside a Box-Muller
// pair and inside a low-rank row.
param_layout mixed_layout() {
  param_layout l;
  l.add("A", 7, 5);
  l.add("v", 3, 1);
  l.add("B", 4, 9);
  return l;
}

}  // namespace

TEST_CASE("a slice of a member's noise is that stretch of the whole: full, low-rank, table") {
  const auto layout = mixed_layout();
  const std::size_t n = layout.size();
  for (const auto kind : {noise_kind::full, noise_kind::lowrank, noise_kind::table}) {
    noise_spec spec{kind, 2, 1000};
    bind_table(spec, 9, n);
    CAPTURE(static_cast<int>(kind));
    std::vector<double> whole(n);
    member_noise(9, 4, 3, layout.blocks(), spec, whole);
    for (std::size_t lo : {0u, 1u, 6u, 34u, 35u, 37u, 40u})
      for (std::size_t hi : {lo, lo + 1, lo + 2, lo + 13, n}) {
        if (hi > n || hi < lo) continue;
        CAPTURE(lo);
        CAPTURE(hi);
        std::vector<double> part(hi - lo);
        member_noise_slice(9, 4, 3, layout.blocks(), spec, lo, part);
        CHECK(std::equal(part.begin(), part.end(), whole.begin() + static_cast<long>(lo)));
      }
  }
}

TEST_CASE("song and openai: the estimate assembled from slices is the whole estimate's bits") {
  const auto layout = mixed_layout();
  for (const std::string kind : {"song", "openai"})
    for (const bool table : {false, true})
      for (const bool blocks : {false, true}) {
        CAPTURE(std::string(kind) + (blocks ? " block-coordinate" : " joint") +
                (table ? ", noise table" : ""));
        es_config c;
        c.baseline = baseline_kind::none;  // es_config's default when this was written
        if (table) c.noise = {noise_kind::table, 1, 500};
        c.strategy = kind;
        c.population = 12;
        c.sigma = 0.05;
        c.seed = 5;
        c.block_coordinate = blocks;
        c.weight_decay = kind == "openai" ? 0.01 : 0.0;
        const gradient_estimator s(c, layout);
        std::vector<double> theta(layout.size());
        for (std::size_t k = 0; k < theta.size(); ++k) theta[k] = 0.1 * static_cast<double>(k % 7);
        std::vector<evaluation> evals(s.evaluations());
        for (std::size_t m = 0; m < evals.size(); ++m) evals[m].loss = std::sin(double(m) + 0.3);
        evals[4].status = eval_status::solver_failure;  // a failure takes the penalty loss
        for (std::uint32_t g : {0u, 1u, 2u}) {
          const auto whole = s.estimate_gradient(evals, theta, g);
          const std::size_t n = s.active(g).size;
          std::vector<double> assembled(n, 0.0);
          for (std::size_t q = 0; q < 3; ++q) {  // three ranks' slices
            const auto part = s.estimate_gradient(evals, theta, g, n * q / 3, n * (q + 1) / 3);
            for (std::size_t k = n * q / 3; k < n * (q + 1) / 3; ++k) assembled[k] = part.grad[k];
          }
          CHECK(assembled == whole.grad);
          const auto flags = s.estimate_gradient(evals, theta, g, 0, 0);
          CHECK(flags.failures == whole.failures);
          CHECK(flags.usable == whole.usable);
        }
      }
}

TEST_CASE("the noise table holds the run seed's normals, rounded to float32") {
  // The oracle is the counter-based stream itself: entry k is normal variate k of the table's
  // stream, so the table is a function of the seed alone (every rank builds the same one).
  const noise_table t(4, 70'001);  // not a multiple of the construction's chunk
  const random_stream rs(4, stream::noise_table, 0, 0);
  for (std::size_t k : {0u, 1u, 2u, 65'535u, 65'536u, 70'000u})
    CHECK(t.values()[k] == static_cast<float>(rs.normal(k)));
  double mean = 0, var = 0;
  for (const float v : t.values()) mean += v;
  mean /= static_cast<double>(t.size());
  for (const float v : t.values()) var += (v - mean) * (v - mean);
  var /= static_cast<double>(t.size() - 1);
  // Five standard errors: this seed's table is fixed, so the check cannot flake.
  CHECK(std::abs(mean) < 5 / std::sqrt(70'001.0));
  CHECK(std::abs(var - 1) < 5 * std::sqrt(2 / 70'001.0));
  CHECK(noise_table::shared(4, 70'001) == noise_table::shared(4, 70'001));  // built once
  CHECK(noise_table::shared(4, 70'001)->values()[9] == t.values()[9]);
}

TEST_CASE("table noise: each member a contiguous slice at its own offset, mirrored pairs shared") {
  param_layout layout;
  layout.add("W", 20, 30);
  es_config c;
  c.strategy = "openai";
  c.population = 40;
  c.sigma = 0.5;
  c.seed = 11;
  c.block_coordinate = false;
  c.noise = {noise_kind::table, 1, 5000};
  const gradient_estimator s(c, layout);
  const auto t = noise_table::shared(11, 5000)->values();
  const std::vector<double> theta(layout.size(), 0.0);
  std::vector<double> p(layout.size()), q(layout.size());
  std::vector<std::size_t> offsets;
  for (std::size_t m = 1; m < s.evaluations(); m += 2) {
    s.member_params(theta, 3, m, p);
    s.member_params(theta, 3, m + 1, q);
    std::size_t found = t.size();
    for (std::size_t o = 0; o + p.size() <= t.size() && found == t.size(); ++o)
      if (p[0] == 0.5 * t[o] && p[1] == 0.5 * t[o + 1]) found = o;
    REQUIRE(found < t.size());
    for (std::size_t k = 0; k < p.size(); ++k) {
      CHECK(p[k] == 0.5 * static_cast<double>(t[found + k]));
      CHECK(q[k] == -p[k]);
    }
    offsets.push_back(found);
  }
  std::sort(offsets.begin(), offsets.end());
  CHECK(std::adjacent_find(offsets.begin(), offsets.end()) == offsets.end());  // all distinct
  c.noise.table_size = layout.size() - 1;
  CHECK_THROWS_WITH_AS(gradient_estimator(c, layout),
                       "es.table_size (599) must be at least the parameter count (600)",
                       input_error);
}
