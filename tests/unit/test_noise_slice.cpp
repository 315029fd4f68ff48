// dist.update = sliced rests on two identities: a slice of a member's noise is the same bits as
// that stretch of the whole (full and low-rank noise, across blocks), and the estimate assembled
// from slices is the same bits as the whole estimate (each coordinate sums the members in order).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "esbio/core/evaluation.hpp"
#include "esbio/es/noise.hpp"
#include "esbio/es/strategy.hpp"

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

TEST_CASE("a slice of a member's noise is that stretch of the whole, full and low-rank") {
  const auto layout = mixed_layout();
  const std::size_t n = layout.size();
  for (const auto kind : {noise_kind::full, noise_kind::lowrank}) {
    const noise_spec spec{kind, 2};
    CAPTURE(kind == noise_kind::full ? "full" : "lowrank");
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
  for (const auto kind : {strategy_kind::song, strategy_kind::openai}) {
    for (const bool blocks : {false, true}) {
      CAPTURE(std::string(to_string(kind)) + (blocks ? " block-coordinate" : " joint"));
      es_config c;
      c.kind = kind;
      c.population = 12;
      c.sigma = 0.05;
      c.seed = 5;
      c.block_coordinate = blocks;
      c.weight_decay = kind == strategy_kind::openai ? 0.01 : 0.0;
      const strategy s(c, layout);
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
}
