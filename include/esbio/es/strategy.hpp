#pragma once
// Gradient-estimating evolution strategies (docs/science.md 3). A strategy is a value type with an
// explicit seed (pagmo2's algorithm style): it says which members to evaluate and how, and turns
// their losses into a gradient estimate. It never sees MPI: the same code runs on every rank and
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
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "esbio/core/evaluation.hpp"
#include "esbio/core/params.hpp"
#include "esbio/es/noise.hpp"

namespace esbio::es {

enum class strategy_kind { song, openai, snes, pgpe, sep_cmaes, cmaes, guided };
enum class baseline_kind { none, center, mean };
strategy_kind parse_strategy(const std::string& name);
baseline_kind parse_baseline(const std::string& name);
const char* to_string(strategy_kind k);
const char* to_string(baseline_kind k);

// The largest population esbio accepts: its results (88 bytes a member on the wire) are broadcast
// every generation, so beyond this a typo would allocate gigabytes before the first evaluation.
inline constexpr std::size_t max_population = 1'000'000;

struct es_config {
  strategy_kind kind = strategy_kind::song;
  std::size_t population = 100;
  double sigma = 0.1;
  baseline_kind baseline = baseline_kind::none;
  bool block_coordinate = true;
  // Blocks ES trains, in rotation (empty: all). Blocks left out keep their values (or are trained
  // by other means, e.g. an exact readout step).
  std::vector<std::string> blocks;
  // false: no ES at all (es.blocks = none), only es.exact_blocks train: the reservoir ablation.
  bool enabled = true;
  // Blocks trained each generation by the task's exact gradient instead (the paper's readout).
  std::vector<std::string> exact_blocks;
  // Loss given to failed members by raw-loss estimators (see failure_loss); unset: derived from
  // the generation's successes. Rank-based estimators always rank failures as tied worst.
  std::optional<double> failure_penalty;
  double weight_decay = 0.0;  // openai's L2 term on the estimate
  std::uint64_t seed = 0;
  // The noise of matrix blocks (noise.hpp), for every strategy whose noise is Gaussian.
  noise_spec noise;
  // Strategy parameters; unset: the strategy's published default (search.hpp says which).
  std::optional<double> sigma_lr;  // snes, pgpe: the step size of the sigma update
  std::optional<double> mean_lr;   // snes, sep_cmaes, cmaes: of the mean update
  double sigma_max_change = 0.2;   // pgpe: per-step relative change of sigma, at most
  std::size_t restarts = 0;        // cmaes: IPOP restarts (population doubled each time)
  std::size_t guided_k = 1;        // guided: how many recent BP gradients span the subspace
  double guided_alpha = 0.5;       // guided: share of the noise's variance off the subspace
  double guided_beta = 2.0;        // guided: the estimate's scale
};

void validate(const es_config& cfg);  // throws input_error naming the bad setting

// The layout indices of the blocks ES trains: es.blocks, or every block not in es.exact_blocks;
// empty when ES is off (es.blocks = none). input_error for unknown or conflicting names.
std::vector<std::size_t> trained_blocks(const es_config& cfg, const param_layout& layout);

// The loss a raw-loss estimator gives a failed member: always strictly above every success, so a
// failure never looks better than anything that was evaluated. With successes spanning
// [best, worst] it is `configured` if that is above worst, else worst + (worst - best), or
// worst + |worst| (1 if worst is 0) when every success scored the same. With no success at all it
// is `configured` (NaN when unset: nothing to estimate from).
double failure_loss(std::optional<double> configured, bool any_ok, double worst, double best);

struct active_range {
  std::size_t offset = 0, size = 0;
  std::size_t id = 0;  // block index (0 when all parameters are perturbed together)
  std::string name;
};

struct estimate {
  std::vector<double> grad;  // over the active range
  std::size_t failures = 0;
  bool usable = true;  // false when too few members succeeded to estimate anything
};

class strategy {
 public:
  strategy(es_config cfg, param_layout layout);

  const es_config& config() const { return cfg_; }
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

  estimate estimate_gradient(std::span<const evaluation> evals, std::span<const double> theta,
                             std::uint32_t generation) const;
  // The estimate on coordinates [lo, hi) of the active range only (est.grad has the range's size,
  // zero outside), each coordinate summed over the members in the same order as the whole: the
  // same bits, from 1/P of the noise (dist.update = sliced). lo == hi: failures and usable alone.
  estimate estimate_gradient(std::span<const evaluation> evals, std::span<const double> theta,
                             std::uint32_t generation, std::size_t lo, std::size_t hi) const;

 private:
  // Noise id and sign of a member: the id keys the Philox stream, so mirrored members share one.
  std::pair<std::uint32_t, double> noise_of(std::size_t member) const;
  void noise(std::uint32_t generation, std::uint32_t id, std::span<double> out) const;
  // Entries [first, first + out.size()) of the active range's noise.
  void noise_slice(std::uint32_t generation, std::uint32_t id, std::size_t first,
                   std::span<double> out) const;

  es_config cfg_;
  param_layout layout_;
  std::vector<std::size_t> rotation_;  // layout indices of the blocks ES perturbs
};

}  // namespace esbio::es
