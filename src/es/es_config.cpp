#include "esbio/es/es_config.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "esbio/core/error.hpp"
#include "esbio/es/registry.hpp"

namespace esbio::es {

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

void append(std::string& list, const std::string& name) {
  list += (list.empty() ? "" : ", ") + name;
}

}  // namespace

const schema<es_config>& es_config_schema() {
  using c = es_config;
  using namespace codecs;
  static const auto s = [] {
    std::vector<std::pair<std::string, std::string>> known;
    std::string listed, rotating, mirrored, own_default;
    for (const auto& k : strategies()) {
      known.emplace_back(k.name, k.name);
      listed += (listed.empty() ? "" : " | ") + k.name;
      if (k.traits.rotates_blocks) append(rotating, k.name);
      if (k.traits.mirrored) append(mirrored, k.name);
      if (k.traits.default_population) append(own_default, k.name);
    }
    const auto blocks = names("all");
    auto out = schema<c>();
    out.field("es.strategy", &c::strategy, choice<std::string>(known),
              listed + " (each has its section below; README: which to try first)")
        .field("es.population", &c::population, count<std::size_t>(0),
               "samples per generation S, the centre included for song (even for " + mirrored +
                   "; 0 for the strategy's default 4 + 3 ln n: " + own_default + ")")
        .field("es.sigma", &c::sigma, real(), "perturbation standard deviation")
        .field("es.baseline", &c::baseline,
               choice<baseline_kind>({{"none", baseline_kind::none},
                                      {"center", baseline_kind::center},
                                      {"centre", baseline_kind::center},
                                      {"mean", baseline_kind::mean}}),
               "song baseline subtracted from losses: none (paper) | center | mean")
        .field("es.block_coordinate", &c::block_coordinate, flag_or("auto"),
               "perturb one parameter block per generation, in rotation: true | false | auto "
               "(true for " +
                   rotating + ", false for the others, which move their blocks together)")
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
        .section(&c::noise, noise_schema());
    // The strategies' own keys, each once, read as its first declarer reads it (the registry's
    // test checks that the others agree).
    for (const auto& k : strategies())
      for (const auto& o : k.options) {
        if (out.find(o.key)) continue;
        out.custom(
            o.key,
            [key = o.key, canonical = k.canonical](c& e, const std::string& text) {
              e.options[key] = canonical(key, text);
            },
            [key = o.key, fallback = o.default_value](const c& e) {
              const auto it = e.options.find(key);
              return it == e.options.end() ? fallback : it->second;
            },
            o.help);
      }
    return out;
  }();
  return s;
}

es_config resolved(es_config cfg) {
  if (!cfg.block_coordinate)
    cfg.block_coordinate = find_strategy(cfg.strategy).traits.rotates_blocks;
  return cfg;
}

void validate(const es_config& config) {
  const auto cfg = resolved(config);
  const auto& traits = find_strategy(cfg.strategy).traits;
  if (!(cfg.sigma > 0) || !std::isfinite(cfg.sigma))
    throw input_error("es.sigma must be a positive number");
  const bool own_default = traits.default_population != nullptr;
  if (cfg.population < 2 && !(own_default && cfg.population == 0))
    throw input_error(std::string("es.population must be at least 2") +
                      (own_default ? " (or 0: the strategy's default)" : ""));
  if (traits.mirrored && cfg.population % 2 != 0)
    throw input_error("es.population must be even for the " + cfg.strategy +
                      " strategy (mirrored pairs)");
  if (cfg.population > max_population)
    throw input_error("es.population must be at most " + std::to_string(max_population));
  if (cfg.failure_penalty && !std::isfinite(*cfg.failure_penalty))
    throw input_error("es.failure_penalty must be finite");
  if (cfg.noise.kind == noise_kind::lowrank && cfg.noise.rank < 1)
    throw input_error("es.rank must be at least 1");
  if (cfg.noise.kind == noise_kind::lowrank && !traits.refuses_lowrank.empty())
    throw input_error("es.noise = lowrank: " + traits.refuses_lowrank + "; use es.noise = full");
  if (!traits.rotates_blocks && *cfg.block_coordinate)
    throw input_error("es.strategy = " + cfg.strategy +
                      " moves its parameters together: es.block_coordinate must be false");
  // Every strategy's own options, whichever runs, as when they were general keys.
  for (const auto& k : strategies()) k.check(cfg.options);
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
