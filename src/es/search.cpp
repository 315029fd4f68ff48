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

generation_summary update(const search& s, std::span<double> theta, search_state& state,
                          optimizer& opt, std::uint32_t generation,
                          std::span<const evaluation> evals) {
  if (const auto* d = s.direct()) return d->tell(theta, state, generation, evals);
  const auto& e = *s.estimating();
  std::vector<double> estimate(e.estimate_size(generation), 0.0);
  e.estimate(theta, state, generation, evals, 0, estimate.size(), estimate);
  return e.apply(theta, state, opt, generation, evals, estimate);
}

}  // namespace esbio::es
