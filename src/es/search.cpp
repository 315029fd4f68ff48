#include "esbio/es/search.hpp"

#include "factories.hpp"

namespace esbio::es {

std::unique_ptr<search> make_search(const es_config& cfg, const param_layout& layout) {
  if (!cfg.enabled) {
    // No ES at all (the reservoir ablation): the centre alone is evaluated, whatever strategy.
    auto off = cfg;
    off.kind = strategy_kind::song;
    off.block_coordinate = true;
    off.noise = {};
    return detail::make_estimator_search(off, layout);
  }
  switch (cfg.kind) {
    case strategy_kind::song:
    case strategy_kind::openai:
      return detail::make_estimator_search(cfg, layout);
    case strategy_kind::snes:
      return detail::make_snes(cfg, layout);
    case strategy_kind::pgpe:
      return detail::make_pgpe(cfg, layout);
    case strategy_kind::sep_cmaes:
      return detail::make_cmaes(cfg, layout, true);
    case strategy_kind::cmaes:
      return detail::make_cmaes(cfg, layout, false);
    case strategy_kind::guided:
      return detail::make_guided(cfg, layout);
  }
  return nullptr;
}

}  // namespace esbio::es
