#pragma once
// The gradient estimators of song and openai (docs/science.md 3), as a value type with an explicit
// seed (pagmo2's algorithm style): it says which members to evaluate and how, and turns their
// losses into a gradient estimate. It never sees MPI: the same code runs on every rank and
// produces the same bits, because the noise of member m in generation g is regenerated from
// (seed, g, m) wherever it is needed.
//
// song   (Hazelden et al. 2023): member 0 is the centre, members 1..S-1 are theta + sigma eps_m,
//        g = (1/S) sum_m (L_m - b) eps_m / sigma with b = 0 (paper), L_0 or mean(L).
// openai (Salimans et al. 2017): member 0 is the centre (logged, not used), members 2k-1, 2k are
//        theta +- sigma eps_k, k = 1..S/2; centred-rank shaping u over the S perturbed losses,
//        g = (1/(S sigma)) sum_k (u+_k - u-_k) eps_k  (+ weight_decay * theta).
// Both can perturb one parameter block per generation, in rotation (block-coordinate ES).

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "esbio/core/evaluation.hpp"
#include "esbio/core/params.hpp"
#include "esbio/es/es_config.hpp"

namespace esbio::es {

struct active_range {
  std::size_t offset = 0, size = 0;
  std::size_t id = 0;  // block index (0 when all parameters are perturbed together)
  std::string name;
};

struct estimated_gradient {
  std::vector<double> grad;  // over the active range
  std::size_t failures = 0;
  bool usable = true;  // false when too few members succeeded to estimate anything
};

class gradient_estimator {
 public:
  gradient_estimator(es_config cfg, param_layout layout);

  const es_config& config() const { return cfg_; }    // resolved(): block_coordinate is set
  bool trains() const { return !rotation_.empty(); }  // false in the reservoir ablation
  std::size_t evaluations() const;  // members evaluated per generation, the centre included
  // The step counters an optimiser keeps for this strategy, indexed by active_range::id: one per
  // parameter block with block-coordinate ES (ids are layout indices, even for blocks that do
  // not rotate), one when every parameter moves together.
  std::size_t range_count() const;
  active_range active(std::uint32_t generation) const;

  // out = theta with member m's perturbation added on the active range.
  void member_params(std::span<const double> theta, std::uint32_t generation, std::size_t member,
                     std::span<double> out) const;

  estimated_gradient estimate_gradient(std::span<const evaluation> evals,
                                       std::span<const double> theta,
                                       std::uint32_t generation) const;
  // The estimate on coordinates [lo, hi) of the active range only (est.grad has the range's size,
  // zero outside), each coordinate summed over the members in the same order as the whole: the
  // same bits, from 1/P of the noise (dist.update = sliced). lo == hi: failures and usable alone.
  estimated_gradient estimate_gradient(std::span<const evaluation> evals,
                                       std::span<const double> theta, std::uint32_t generation,
                                       std::size_t lo, std::size_t hi) const;

 private:
  // Noise id and sign of a member: the id keys the Philox stream, so mirrored members share one.
  std::pair<std::uint32_t, double> noise_of(std::size_t member) const;
  void noise(std::uint32_t generation, std::uint32_t id, std::span<double> out) const;
  // Entries [first, first + out.size()) of the active range's noise.
  void noise_slice(std::uint32_t generation, std::uint32_t id, std::size_t first,
                   std::span<double> out) const;

  es_config cfg_;
  param_layout layout_;
  bool song_;  // song's raw losses over S members, or openai's ranked mirrored pairs
  std::vector<std::size_t> rotation_;  // layout indices of the blocks ES perturbs
};

}  // namespace esbio::es
