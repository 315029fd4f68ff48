#pragma once
// The strategies esbio knows (es.strategy). A strategy is its own file in src/es: its search
// (search.hpp), its own options through a schema (core/schema.hpp), its traits and one
// registered_strategy(...) entry, plus one line in src/es/registry.cpp. The command line, the
// help text, the checks of es.* and `esbio gradient` read this list.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "esbio/core/params.hpp"
#include "esbio/core/schema.hpp"
#include "esbio/es/es_config.hpp"

namespace esbio::es {

class search;

// What the rest of esbio may rely on about a strategy.
struct strategy_traits {
  // Members 2k-1 and 2k are a mirrored pair: es.population must be even.
  bool mirrored = false;
  // es.population = 0 asks for this population for n trained parameters (null: 0 is refused).
  std::size_t (*default_population)(std::size_t n) = nullptr;
  // Its update follows an estimate of the loss's gradient, which `esbio gradient` compares with
  // BP (search::gradient_estimate).
  bool estimates_gradient = true;
  // It needs the task's exact gradient before every generation (search::observe_gradient).
  bool wants_gradient = false;
  // true: it may perturb one block per generation, and does with es.block_coordinate = auto;
  // false: it moves every trained block together and refuses rotation.
  bool rotates_blocks = false;
  // Its estimate is, per coordinate, a sum over the members in a fixed order, so
  // dist.update = sliced may compute it a slice of the coordinates per rank.
  bool sliced_update = false;
  // Why it refuses es.noise = lowrank (empty: it accepts it).
  std::string refuses_lowrank;
};

struct strategy_info {
  std::string name;
  std::string summary;  // one line for --help
  strategy_traits traits;
  // Its own keys (es.restarts, es.guided_k, ...) with their defaults; a key several strategies
  // read (es.sigma_lr) is declared by each, with the same default.
  std::vector<option_spec> options;
  // The canonical text of one of its keys; input_error naming a bad value.
  std::function<std::string(const std::string& key, const std::string& text)> canonical;
  // Its options read from es_config::options (a key absent at its default) and checked.
  std::function<void(const settings& options)> check;
  // The search for a configuration naming this strategy, bound to the task's layout.
  std::function<std::unique_ptr<search>(const es_config& cfg, const param_layout& layout)> make;
};

// In the order --help and error messages list them.
const std::vector<strategy_info>& strategies();
// The strategy `name`; input_error naming the known ones otherwise.
const strategy_info& find_strategy(const std::string& name);

// The population 4 + floor(3 ln n) of Hansen's CMA-ES and of SNES, for n parameters.
std::size_t log_population(std::size_t n);

// A strategy without options of its own (song, openai).
struct no_options {
  static const esbio::schema<no_options>& schema();
  void validate() const {}
};

// The registry entry of a strategy whose options are `Options` (with a static schema() and a
// validate()) and whose search `make` builds from the configuration and those options, read
// from es_config::options.
template <class Options>
strategy_info registered_strategy(
    std::string name, std::string summary, strategy_traits traits,
    std::function<std::unique_ptr<search>(const es_config&, const param_layout&, const Options&)>
        make) {
  const auto read = [](const settings& s) {
    auto o = Options::schema().read(s);
    o.validate();
    return o;
  };
  return {std::move(name),
          std::move(summary),
          std::move(traits),
          Options::schema().options(),
          [](const std::string& key, const std::string& text) {
            const auto* e = Options::schema().find(key);
            Options o{};
            e->read(o, text);
            return e->write(o);
          },
          [read](const settings& s) { read(s); },
          [read, make](const es_config& cfg, const param_layout& layout) {
            return make(cfg, layout, read(cfg.options));
          }};
}

}  // namespace esbio::es
