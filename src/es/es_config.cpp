#include "esbio/es/es_config.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "esbio/core/error.hpp"

namespace esbio::es {

namespace {
constexpr std::pair<strategy_kind, const char*> strategy_names[] = {
    {strategy_kind::song, "song"},           {strategy_kind::openai, "openai"},
    {strategy_kind::snes, "snes"},           {strategy_kind::pgpe, "pgpe"},
    {strategy_kind::sep_cmaes, "sep_cmaes"}, {strategy_kind::cmaes, "cmaes"},
    {strategy_kind::guided, "guided"},
};
}  // namespace

strategy_kind parse_strategy(const std::string& name) {
  std::string known;
  for (const auto& [k, n] : strategy_names) {
    if (name == n) return k;
    known += (known.empty() ? "" : ", ") + std::string(n);
  }
  throw input_error("unknown ES strategy '" + name + "' (known: " + known + ")");
}

baseline_kind parse_baseline(const std::string& name) {
  if (name == "none") return baseline_kind::none;
  if (name == "center" || name == "centre") return baseline_kind::center;
  if (name == "mean") return baseline_kind::mean;
  throw input_error("unknown ES baseline '" + name + "' (known: none, center, mean)");
}

const char* to_string(strategy_kind k) {
  for (const auto& [kind, n] : strategy_names)
    if (kind == k) return n;
  return "unknown";
}
const char* to_string(baseline_kind k) {
  switch (k) {
    case baseline_kind::none:
      return "none";
    case baseline_kind::center:
      return "center";
    case baseline_kind::mean:
      return "mean";
  }
  return "unknown";
}

void validate(const es_config& cfg) {
  if (!(cfg.sigma > 0) || !std::isfinite(cfg.sigma))
    throw input_error("es.sigma must be a positive number");
  const bool default_population = cfg.kind == strategy_kind::snes ||
                                  cfg.kind == strategy_kind::sep_cmaes ||
                                  cfg.kind == strategy_kind::cmaes;
  if (cfg.population < 2 && !(default_population && cfg.population == 0))
    throw input_error(std::string("es.population must be at least 2") +
                      (default_population ? " (or 0: the strategy's default)" : ""));
  const bool pairs = cfg.kind == strategy_kind::openai || cfg.kind == strategy_kind::pgpe ||
                     cfg.kind == strategy_kind::guided;
  if (pairs && cfg.population % 2 != 0)
    throw input_error(std::string("es.population must be even for the ") + to_string(cfg.kind) +
                      " strategy (mirrored pairs)");
  if (cfg.population > max_population)
    throw input_error("es.population must be at most " + std::to_string(max_population));
  if (cfg.failure_penalty && !std::isfinite(*cfg.failure_penalty))
    throw input_error("es.failure_penalty must be finite");
  if (cfg.noise.kind == noise_kind::lowrank && cfg.noise.rank < 1)
    throw input_error("es.rank must be at least 1");
  if (cfg.noise.kind == noise_kind::lowrank &&
      (cfg.kind == strategy_kind::sep_cmaes || cfg.kind == strategy_kind::cmaes))
    throw input_error("es.noise = lowrank: CMA-ES shapes its own noise; use es.noise = full");
  const bool joint = cfg.kind != strategy_kind::song && cfg.kind != strategy_kind::openai;
  if (joint && cfg.block_coordinate)
    throw input_error(std::string("es.strategy = ") + to_string(cfg.kind) +
                      " moves its parameters together: es.block_coordinate must be false");
  if (!(cfg.sigma_max_change > 0)) throw input_error("es.sigma_max_change must be positive");
  if (cfg.guided_k < 1) throw input_error("es.guided_k must be at least 1");
  if (!(cfg.guided_alpha >= 0 && cfg.guided_alpha <= 1))
    throw input_error("es.guided_alpha must be between 0 and 1");
}

std::vector<std::size_t> trained_blocks(const es_config& cfg, const param_layout& layout) {
  std::vector<std::size_t> out;
  for (const auto& name : cfg.blocks) {
    std::size_t idx = 0;
    try {
      idx = layout.index_of(name);
    } catch (const std::out_of_range&) {
      std::string known;
      for (const auto& b : layout.blocks()) known += (known.empty() ? "" : ", ") + b.name;
      throw input_error("es.blocks names '" + name + "', which is not a block (blocks: " + known +
                        ")");
    }
    out.push_back(idx);
  }
  for (const auto& name : cfg.exact_blocks) {
    if (std::find(cfg.blocks.begin(), cfg.blocks.end(), name) != cfg.blocks.end())
      throw input_error("block '" + name + "' is in both es.blocks and es.exact_blocks");
    try {
      (void)layout.index_of(name);
    } catch (const std::out_of_range&) {
      throw input_error("es.exact_blocks names '" + name + "', which is not a block");
    }
  }
  if (!cfg.enabled) {
    if (cfg.exact_blocks.empty())
      throw input_error("es.blocks = none leaves nothing to train (set es.exact_blocks)");
    return {};
  }
  if (out.empty())
    for (std::size_t i = 0; i < layout.blocks().size(); ++i) {
      const auto& name = layout.blocks()[i].name;
      if (std::find(cfg.exact_blocks.begin(), cfg.exact_blocks.end(), name) ==
          cfg.exact_blocks.end())
        out.push_back(i);
    }
  if (out.empty()) throw input_error("es.exact_blocks leaves no block for ES to train");
  return out;
}

}  // namespace esbio::es
