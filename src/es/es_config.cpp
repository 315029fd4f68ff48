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

const char* to_string(strategy_kind k) {
  for (const auto& [kind, n] : strategy_names)
    if (kind == k) return n;
  return "unknown";
}

namespace {

const schema<noise_spec>& noise_schema() {
  using namespace codecs;
  static const auto s =
      schema<noise_spec>()
          .field("es.noise", &noise_spec::kind,
                 choice<noise_kind>({{"full", noise_kind::full},
                                     {"lowrank", noise_kind::lowrank},
                                     {"table", noise_kind::table}}),
                 "noise of matrix blocks: full | lowrank (E = A B^T / sqrt(es.rank), EGGROLL; not "
                 "cmaes) | table (slices of one shared table of normals, Salimans et al. 2017: no "
                 "normals drawn per member)")
          .field("es.rank", &noise_spec::rank, count<std::size_t>(1, 1024),
                 "es.noise = lowrank: the rank r of each matrix block's noise")
          .field(
              "es.table_size", &noise_spec::table_size, count<std::size_t>(1, std::size_t{1} << 31),
              "es.noise = table: entries of the table (4 bytes each, on every rank; at least the "
              "parameter count)");
  return s;
}

}  // namespace

const schema<es_config>& es_config_schema() {
  using c = es_config;
  using namespace codecs;
  static const auto s = [] {
    std::vector<std::pair<std::string, strategy_kind>> strategies;
    for (const auto& [kind, name] : strategy_names) strategies.emplace_back(name, kind);
    const auto blocks = names("all");
    return schema<c>()
        .field("es.strategy", &c::kind, choice<strategy_kind>(strategies),
               "song (Hazelden et al.) | openai (Salimans et al.) | snes | pgpe | sep_cmaes | "
               "cmaes | guided (README: which to try first)")
        .field("es.population", &c::population, count<std::size_t>(0),
               "samples per generation S (song: centre included; openai, pgpe, guided: even; "
               "snes, sep_cmaes, cmaes: 0 for the paper's 4 + 3 ln n)")
        .field("es.sigma", &c::sigma, real(), "perturbation standard deviation")
        .field("es.baseline", &c::baseline,
               choice<baseline_kind>({{"none", baseline_kind::none},
                                      {"center", baseline_kind::center},
                                      {"centre", baseline_kind::center},
                                      {"mean", baseline_kind::mean}}),
               "song baseline subtracted from losses: none (paper) | center | mean")
        .field("es.block_coordinate", &c::block_coordinate, flag_or("auto"),
               "perturb one parameter block per generation, in rotation: true | false | auto "
               "(true for song and openai, false for the others, which move their blocks "
               "together)")
        .custom(
            "es.blocks",
            [blocks](c& e, const std::string& text) {
              e.enabled = text != "none";
              e.blocks = e.enabled ? blocks.parse("es.blocks", text) : std::vector<std::string>{};
            },
            [blocks](const c& e) { return e.enabled ? blocks.print(e.blocks) : "none"; },
            "parameter blocks ES trains, comma-separated, in rotation (all: every block; none: "
            "no ES, only es.exact_blocks train)")
        .field("es.exact_blocks", &c::exact_blocks, names("none"),
               "blocks trained by the task's exact gradient each generation (evidence: W_ro, "
               "b_ro)")
        .field("es.failure_penalty", &c::failure_penalty, real_or("max"),
               "loss of a failed member for song: max (the worst success plus the successes' "
               "spread) | a number (raised to that if not above every success)")
        .field("es.weight_decay", &c::weight_decay, real(real_sign::non_negative),
               "openai: L2 coefficient added to the estimate")
        .section(&c::noise, noise_schema())
        .field("es.sigma_lr", &c::sigma_lr, real_or("default"),
               "snes, pgpe: step size of the sigma update (default: snes (3 + ln n)/(5 sqrt n), "
               "pgpe 0.1)")
        .field("es.mean_lr", &c::mean_lr, real_or("default"),
               "snes, sep_cmaes, cmaes: step size of the mean update (default 1)")
        .field("es.sigma_max_change", &c::sigma_max_change, real(real_sign::positive),
               "pgpe: largest relative change of sigma per generation")
        .field("es.restarts", &c::restarts, count<std::size_t>(0, 20),
               "cmaes, sep_cmaes: IPOP restarts, the population doubled each time")
        .field("es.guided_k", &c::guided_k, count<std::size_t>(1, 1000),
               "guided: how many recent exact gradients span the guiding subspace")
        .field("es.guided_alpha", &c::guided_alpha, real(real_sign::non_negative),
               "guided: share of the noise variance outside the subspace")
        .field("es.guided_beta", &c::guided_beta, real(real_sign::positive),
               "guided: scale of the estimate");
  }();
  return s;
}

es_config resolved(es_config cfg) {
  if (!cfg.block_coordinate)
    cfg.block_coordinate = cfg.kind == strategy_kind::song || cfg.kind == strategy_kind::openai;
  return cfg;
}

void validate(const es_config& config) {
  const auto cfg = resolved(config);
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
  if (joint && *cfg.block_coordinate)
    throw input_error(std::string("es.strategy = ") + to_string(cfg.kind) +
                      " moves its parameters together: es.block_coordinate must be false");
  if (cfg.sigma_lr && !(*cfg.sigma_lr > 0)) throw input_error("es.sigma_lr must be positive");
  if (cfg.mean_lr && !(*cfg.mean_lr > 0)) throw input_error("es.mean_lr must be positive");
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
