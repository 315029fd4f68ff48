#pragma once
// The settings of evolution strategies (es.*): which strategy, its population and step size, the
// blocks it trains and its noise, with the checks every strategy shares.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "esbio/core/params.hpp"
#include "esbio/core/schema.hpp"
#include "esbio/es/noise.hpp"

namespace esbio::es {

enum class strategy_kind { song, openai, snes, pgpe, sep_cmaes, cmaes, guided };
enum class baseline_kind { none, center, mean };
const char* to_string(strategy_kind k);

// The largest population esbio accepts: its results (88 bytes a member on the wire) are broadcast
// every generation, so beyond this a typo would allocate gigabytes before the first evaluation.
inline constexpr std::size_t max_population = 1'000'000;

// The defaults are the command line's (es_config_schema()): the embedded spiral run's.
struct es_config {
  strategy_kind kind = strategy_kind::song;
  std::size_t population = 100;
  double sigma = 0.01;
  baseline_kind baseline = baseline_kind::center;
  // Perturb one block per generation, in rotation; unset (auto): the strategy's default, true for
  // song and openai (resolved()).
  std::optional<bool> block_coordinate;
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

// The es.* keys (es.generations is the run's: train/run_config.hpp).
const schema<es_config>& es_config_schema();

// cfg with its words for a strategy's own default resolved (es.block_coordinate = auto).
es_config resolved(es_config cfg);
void validate(const es_config& cfg);  // throws input_error naming the bad setting

// The layout indices of the blocks ES trains: es.blocks, or every block not in es.exact_blocks;
// empty when ES is off (es.blocks = none). input_error for unknown or conflicting names.
std::vector<std::size_t> trained_blocks(const es_config& cfg, const param_layout& layout);

}  // namespace esbio::es
