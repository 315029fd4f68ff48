// song and openai on the ask/tell interface: the estimators of gradient_estimator.hpp, bit for bit
// as they always ran (tests/unit/test_strategy_regression.cpp holds the hashes), stepped by the
// configured optimiser on the active block (or on all of theta).
#include <cmath>
#include <numeric>

#include "esbio/es/gradient_estimator.hpp"
#include "esbio/es/search.hpp"

namespace esbio::es::detail {

namespace {

class estimator_search final : public estimating_search {
 public:
  estimator_search(const es_config& cfg, const param_layout& layout)
      : s_(cfg, layout), p_(layout.size()) {}

  bool trains() const override { return s_.trains(); }
  std::size_t range_count() const override { return s_.range_count(); }
  std::size_t evaluations(const search_state&) const override { return s_.evaluations(); }
  void ask(std::span<const double> theta, const search_state&, std::uint32_t g, std::size_t m,
           std::span<double> out) const override {
    s_.member_params(theta, g, m, out);
  }
  // The active range's estimate, each entry summed over the members in member order, so any
  // slice of it is the whole's bits (dist.update = sliced).
  std::size_t estimate_size(std::uint32_t g) const override {
    return s_.trains() ? s_.active(g).size : 0;
  }
  void estimate(std::span<const double> theta, const search_state&, std::uint32_t g,
                std::span<const evaluation> evals, std::size_t lo, std::size_t hi,
                std::span<double> out) const override {
    if (!s_.trains()) return;
    const auto est = s_.estimate_gradient(evals, theta, g, lo, hi);
    std::copy(est.grad.begin() + static_cast<std::ptrdiff_t>(lo),
              est.grad.begin() + static_cast<std::ptrdiff_t>(hi),
              out.begin() + static_cast<std::ptrdiff_t>(lo));
  }
  generation_summary apply(std::span<double> theta, search_state&, optimizer& opt, std::uint32_t g,
                           std::span<const evaluation> evals,
                           std::span<const double> grad) const override {
    if (!s_.trains()) return untrained(evals);
    auto est = s_.estimate_gradient(evals, theta, g, 0, 0);  // failures and usable
    std::copy(grad.begin(), grad.end(), est.grad.begin());
    return step(theta, opt, g, est);
  }
  std::optional<std::vector<double>> gradient_estimate(
      std::span<const double> theta, const search_state&, std::uint32_t g,
      std::span<const evaluation> evals) const override {
    if (!s_.trains()) return std::nullopt;
    const auto est = s_.estimate_gradient(evals, theta, g);
    if (!est.usable) return std::nullopt;
    const auto range = s_.active(g);
    std::vector<double> full(p_, 0.0);
    std::copy(est.grad.begin(), est.grad.end(), full.begin() + static_cast<long>(range.offset));
    return full;
  }

 private:
  generation_summary untrained(std::span<const evaluation> evals) const {
    generation_summary out;
    out.sigma = s_.config().sigma;
    for (const auto& e : evals) out.failures += e.ok() ? 0 : 1;
    return out;
  }
  generation_summary step(std::span<double> theta, optimizer& opt, std::uint32_t g,
                          const estimated_gradient& est) const {
    generation_summary out;
    out.sigma = s_.config().sigma;
    const auto range = s_.active(g);
    out.failures = est.failures;
    out.grad_norm =
        std::sqrt(std::inner_product(est.grad.begin(), est.grad.end(), est.grad.begin(), 0.0));
    out.block = *s_.config().block_coordinate ? static_cast<std::int64_t>(range.id) : all_blocks;
    if (est.usable) opt.step(theta, est.grad, range.offset, range.id);
    return out;
  }

  gradient_estimator s_;
  std::size_t p_;
};

std::unique_ptr<search> make(const es_config& cfg, const param_layout& layout, const no_options&) {
  return std::make_unique<estimator_search>(cfg, layout);
}

}  // namespace

}  // namespace esbio::es::detail

namespace esbio::es {

strategy_info song_strategy() {
  strategy_traits t;
  t.rotates_blocks = true;
  t.sliced_update = true;
  return registered_strategy<no_options>(
      "song",
      "Hazelden et al. 2023, the paper's estimator: member 0 the centre, counted in "
      "es.population; raw losses less es.baseline",
      t, detail::make);
}

strategy_info openai_strategy() {
  strategy_traits t;
  t.mirrored = true;
  t.rotates_blocks = true;
  t.sliced_update = true;
  return registered_strategy<no_options>(
      "openai", "Salimans et al. 2017: mirrored pairs, centred ranks, es.weight_decay", t,
      detail::make);
}

}  // namespace esbio::es
