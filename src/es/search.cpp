#include "esbio/es/search.hpp"

namespace esbio::es {

std::unique_ptr<search> make_search(const es_config& cfg, const param_layout& layout) {
  es_config run = cfg;
  if (!cfg.enabled) {
    // No ES at all (the reservoir ablation): the centre alone is evaluated, whatever strategy.
    run.strategy = "song";
    run.block_coordinate = true;
    run.noise = {};
  }
  const auto& info = find_strategy(run.strategy);
  auto s = info.make(resolved(run), layout);
  s->traits_ = info.traits;
  return s;
}

}  // namespace esbio::es
