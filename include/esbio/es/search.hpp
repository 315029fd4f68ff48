#pragma once
// The ES engine: every strategy is an ask/tell pair over explicit state (evosax's and pycma's
// shape). The state a generation starts from is theta (the distribution's mean), the optimiser's
// state and a strategy's own state (search_state.hpp: per-parameter sigma, evolution paths,
// covariance factors): replicated on every rank, hashed with theta, checkpointed. ask() is a
// pure function of that state and the seeds, so any rank can compute any member. A strategy sees
// the generation's losses, placed by index, never ranks; its update has one of two shapes:
//   estimating  it turns the losses into an estimate, entry by entry (estimate()), that apply()
//               steps with the configured optimiser: song, openai, pgpe, guided. Where every
//               entry is a sum over the members in a fixed order (traits().sliced_update: song,
//               openai), the train layer may compute the entries a slice per rank and gather
//               them (dist.update = sliced), the same bits as the whole;
//   direct      it moves theta and its state itself (tell(), no optimiser): snes, the CMA-ESs.
// Either way the next state is the same bits on every rank.
//
// Member 0 is always the centre (logged; song uses it as its baseline); the others are the
// strategy's samples. A failed member ranks below every success for every strategy:
// rank-based ones rank it last (failures tie, broken by member index for the sorting ones),
// raw-loss ones give it failure_loss(); when one half of an antithetic pair fails, the failed
// half takes that loss and the pair still counts.
//
//   song, openai  the gradient estimators of Hazelden et al. 2023 and Salimans et al. 2017
//                 (gradient_estimator.hpp), stepped by the configured optimiser; block rotation
//                 allowed.
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

class estimating_search;
class direct_search;

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
  // traits().wants_gradient (guided ES): the centre's exact gradient, given on every rank before
  // each generation is asked.
  virtual void observe_gradient(search_state& s, std::span<const double> grad) const;
  // For strategies that estimate the loss's gradient: the estimate (theta.size() entries, zero
  // outside the trained blocks) from one generation's evaluations, without stepping.
  virtual std::optional<std::vector<double>> gradient_estimate(
      std::span<const double> theta, const search_state& s, std::uint32_t generation,
      std::span<const evaluation> evals) const;

  // The shape of the update: exactly one of these is not null.
  virtual const estimating_search* estimating() const { return nullptr; }
  virtual const direct_search* direct() const { return nullptr; }

  // The registry's traits of the strategy this search runs.
  const strategy_traits& traits() const { return traits_; }

 private:
  friend std::unique_ptr<search> make_search(const es_config& cfg, const param_layout& layout);
  strategy_traits traits_;
};

// An update that is an estimate stepped by the optimiser.
class estimating_search : public search {
 public:
  const estimating_search* estimating() const final { return this; }
  // The estimate's length in generation g (0: nothing to estimate, ES off).
  virtual std::size_t estimate_size(std::uint32_t generation) const = 0;
  // Entries [lo, hi) of the estimate from the generation's evaluations, into out[lo, hi). Only a
  // strategy with traits().sliced_update is asked for less than the whole [0, estimate_size()).
  virtual void estimate(std::span<const double> theta, const search_state& s,
                        std::uint32_t generation, std::span<const evaluation> evals, std::size_t lo,
                        std::size_t hi, std::span<double> out) const = 0;
  // The step from the whole estimate: theta with the optimiser, and the strategy's own state.
  virtual generation_summary apply(std::span<double> theta, search_state& s, optimizer& opt,
                                   std::uint32_t generation, std::span<const evaluation> evals,
                                   std::span<const double> estimate) const = 0;
};

// An update the strategy makes itself, without the optimiser.
class direct_search : public search {
 public:
  const direct_search* direct() const final { return this; }
  virtual generation_summary tell(std::span<double> theta, search_state& s,
                                  std::uint32_t generation,
                                  std::span<const evaluation> evals) const = 0;
};

// The strategy es.strategy names (registry.hpp), bound to the task's layout; input_error for
// bad settings.
std::unique_ptr<search> make_search(const es_config& cfg, const param_layout& layout);

// One generation's update with the whole estimate computed here (the trainer's path without
// dist.update = sliced; tests and analyses use it). opt is not used by a direct search.
generation_summary update(const search& s, std::span<double> theta, search_state& state,
                          optimizer& opt, std::uint32_t generation,
                          std::span<const evaluation> evals);

// A hash of everything a generation starts from (theta, optimiser, strategy state): what ranks
// compare to prove their replicas agree.
std::uint64_t state_hash(std::span<const double> theta, const optimizer_state& opt,
                         const search_state& s);

}  // namespace esbio::es
