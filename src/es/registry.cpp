#include "esbio/es/registry.hpp"

#include <cmath>

#include "esbio/core/error.hpp"

namespace esbio::es {

// Each defined in the strategy's own file.
strategy_info song_strategy(), openai_strategy(), snes_strategy(), pgpe_strategy(),
    sep_cmaes_strategy(), cmaes_strategy(), guided_strategy();

const std::vector<strategy_info>& strategies() {
  static const std::vector<strategy_info> all{
      song_strategy(),      openai_strategy(), snes_strategy(),   pgpe_strategy(),
      sep_cmaes_strategy(), cmaes_strategy(),  guided_strategy(),
  };
  return all;
}

const strategy_info& find_strategy(const std::string& name) {
  std::string known;
  for (const auto& k : strategies()) {
    if (k.name == name) return k;
    known += (known.empty() ? "" : ", ") + k.name;
  }
  throw input_error("unknown ES strategy '" + name + "' (known: " + known + ")");
}

std::size_t log_population(std::size_t n) {
  return 4 + static_cast<std::size_t>(std::floor(3 * std::log(static_cast<double>(n))));
}

const schema<no_options>& no_options::schema() {
  static const esbio::schema<no_options> s;
  return s;
}

}  // namespace esbio::es
