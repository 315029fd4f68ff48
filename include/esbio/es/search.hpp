#pragma once
// The ES engine: every strategy is an ask/tell pair over explicit state (evosax's and pycma's
// shape). The state a generation starts from is theta (the distribution's mean), the optimiser's
// state and a strategy's named vectors (per-parameter sigma, evolution paths, covariance
// factors): replicated on every rank, hashed with theta, checkpointed. ask() is a pure function
// of that state and the seeds, so any rank can compute any member; tell() turns the evaluations,
// placed by index, into the next state, the same bits on every rank.
//
// Member 0 is always the centre (logged; song uses it as its baseline); the others are the
// strategy's samples. A failed member ranks below every success for every strategy:
// rank-based ones rank it last (failures tie, broken by member index for the sorting ones),
// raw-loss ones give it failure_loss(); when one half of an antithetic pair fails, the failed
// half takes that loss and the pair still counts.
//
//   song, openai  the gradient estimators of Hazelden et al. 2023 and Salimans et al. 2017
//                 (strategy.hpp), stepped by the configured optimiser; block rotation allowed.
//   snes          separable NES (Schaul, Glasmachers & Schmidhuber 2011): per-parameter sigma,
//                 rank utilities; mean and sigma by their natural gradients (eta_mu = 1,
//                 eta_sigma = (3 + ln n) / (5 sqrt n)); population 4 + 3 ln n when 0.
//   pgpe          PGPE (Sehnke et al. 2010) as EvoTorch runs it: symmetric pairs, centred
//                 ranks, the centre's gradient through the optimiser (ClipUp or Adam),
//                 per-parameter sigma by its gradient (eta_sigma 0.1) changed by at most 20 %
//                 a step (es.sigma_max_change).
//   sep_cmaes     diagonal CMA-ES (Ros & Hansen 2008): c_1 and c_mu scaled by (n + 2) / 3.
//   cmaes         CMA-ES as in Hansen's tutorial (arXiv 1604.00772), positive recombination
//                 weights, eigendecomposition refreshed lazily; IPOP restarts (es.restarts):
//                 from the initial mean with twice the population and the initial sigma.
//   guided        Guided ES (Maheswaranathan et al. 2019): antithetic noise from
//                 sqrt(alpha/n) N(0, I) + sqrt((1 - alpha)/k) U N(0, I_k), U spanning the last
//                 k exact gradients of the task, estimate beta/(2 sigma^2 P) sum eps (L+ - L-).

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "esbio/core/evaluation.hpp"
#include "esbio/core/params.hpp"
#include "esbio/es/es_config.hpp"
#include "esbio/es/optimizer.hpp"
#include "esbio/es/registry.hpp"
#include "esbio/es/search_state.hpp"

namespace esbio::es {

// What /history/block records: a block's index, or these.
inline constexpr std::int64_t no_block = -1, all_blocks = -2;

struct generation_summary {
  std::size_t failures = 0;
  double grad_norm = 0;  // the norm of the estimate a step used (or of the mean's change)
  std::int64_t block = no_block;
  double sigma = 0;  // the search's current step size (mean of a per-parameter sigma)
};

class search {
 public:
  virtual ~search() = default;
  virtual bool trains() const { return true; }
  // The optimiser's step counters (optimizer.hpp); ids are layout block indices.
  virtual std::size_t range_count() const = 0;
  virtual search_state initial(std::span<const double> theta) const;
  // A state read back from a checkpoint (named vectors) made this strategy's typed state again;
  // consistency_error if it does not fit. Nothing to do for a stateless strategy.
  virtual void adopt(search_state& s) const;
  // Evaluations this generation asks for, the centre (member 0) included.
  virtual std::size_t evaluations(const search_state& s) const = 0;
  virtual void ask(std::span<const double> theta, const search_state& s, std::uint32_t generation,
                   std::size_t member, std::span<double> out) const = 0;
  virtual generation_summary tell(std::span<double> theta, search_state& s, optimizer& opt,
                                  std::uint32_t generation,
                                  std::span<const evaluation> evals) const = 0;
  // For strategies that estimate the loss's gradient: the estimate (theta.size() entries, zero
  // outside the trained blocks) from one generation's evaluations, without stepping.
  virtual std::optional<std::vector<double>> gradient_estimate(
      std::span<const double> theta, const search_state& s, std::uint32_t generation,
      std::span<const evaluation> evals) const;
  // dist.update = sliced: a strategy whose estimate is, per coordinate, a sum over the members
  // (song, openai) computes coordinates [lo, hi) of it on each rank, from that slice of every
  // member's noise, and steps from the gathered whole: the same bits as tell(). sliced_size() is
  // the length of the estimate (the active range), 0 where the update does not slice.
  virtual std::size_t sliced_size(std::uint32_t generation) const;
  virtual void estimate_slice(std::span<const double> theta, const search_state& s,
                              std::uint32_t generation, std::span<const evaluation> evals,
                              std::size_t lo, std::size_t hi, std::span<double> out) const;
  virtual generation_summary tell_estimated(std::span<double> theta, search_state& s,
                                            optimizer& opt, std::uint32_t generation,
                                            std::span<const evaluation> evals,
                                            std::span<const double> grad) const;
  // traits().wants_gradient (guided ES): the centre's exact gradient, given on every rank before
  // each generation is asked.
  virtual void observe_gradient(search_state& s, std::span<const double> grad) const;

  // The registry's traits of the strategy this search runs.
  const strategy_traits& traits() const { return traits_; }

 private:
  friend std::unique_ptr<search> make_search(const es_config& cfg, const param_layout& layout);
  strategy_traits traits_;
};

// The strategy es.strategy names (registry.hpp), bound to the task's layout; input_error for
// bad settings.
std::unique_ptr<search> make_search(const es_config& cfg, const param_layout& layout);

// A hash of everything a generation starts from (theta, optimiser, strategy state): what ranks
// compare to prove their replicas agree.
std::uint64_t state_hash(std::span<const double> theta, const optimizer_state& opt,
                         const search_state& s);

}  // namespace esbio::es
