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

enum class baseline_kind { none, center, mean };

// The largest population esbio accepts: its results (88 bytes a member on the wire) are broadcast
// every generation, so beyond this a typo would allocate gigabytes before the first evaluation.
inline constexpr std::size_t max_population = 1'000'000;

// The defaults are the command line's (es_config_schema()): the embedded spiral run's.
struct es_config {
  std::string strategy = "song";  // a name in the registry (registry.hpp)
  std::size_t population = 100;
  double sigma = 0.01;
  baseline_kind baseline = baseline_kind::center;
  // Perturb one block per generation, in rotation; unset (auto): the strategy's default
  // (strategy_traits::rotates_blocks; resolved()).
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
  // The strategies' own keys (es.restarts, es.guided_k, ...; registry.hpp) in canonical text; a
  // key absent is at its default. Each strategy reads its typed options from it.
  settings options;
};

// The es.* keys, the registered strategies' own included (es.generations is the run's:
// train/run_config.hpp).
const schema<es_config>& es_config_schema();

// cfg with its words for a strategy's own default resolved (es.block_coordinate = auto).
es_config resolved(es_config cfg);
// Throws input_error naming the bad setting: the checks every strategy shares, by its traits,
// and every registered strategy's check of its own options.
void validate(const es_config& cfg);

// The layout indices of the blocks ES trains: es.blocks, or every block not in es.exact_blocks;
// empty when ES is off (es.blocks = none). input_error for unknown or conflicting names.
std::vector<std::size_t> trained_blocks(const es_config& cfg, const param_layout& layout);

}  // namespace esbio::es
