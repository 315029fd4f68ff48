#include "esbio/analysis/gradient_study.hpp"

#include "esbio/es/search.hpp"

#include <cmath>
#include <limits>

namespace esbio::analysis {

double dot(std::span<const double> a, std::span<const double> b) {
  double s = 0;
  for (std::size_t k = 0; k < a.size(); ++k) s += a[k] * b[k];
  return s;
}

gradient_comparison compare_gradients(dist::context& ctx, const tasks::task& task,
                                      tasks::evaluator& eval, const es::es_config& base,
                                      std::uint64_t seed, std::span<const double> theta,
                                      const gradient_grid& grid) {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  const std::uint32_t g = grid.generation;
  const std::size_t p = theta.size();
  gradient_comparison out;
  out.bp_gradient.assign(p, 0.0);
  // Guided ES draws its noise around the exact gradient: then every rank needs it.
  const bool everywhere = es::make_search(base, task.layout())->traits().wants_gradient;
  if (ctx.rank() == 0 || everywhere) out.bp = eval.gradient(theta, g, out.bp_gradient);
  out.bp_norm = std::sqrt(dot(out.bp_gradient, out.bp_gradient));
  const auto& bp = out.bp_gradient;

  // Every (sigma, S, repeat) is one generation's worth of members over the ranks.
  std::vector<double> member(p);
  for (double sigma : grid.sigmas)
    for (const auto s : grid.populations)
      for (std::size_t r = 0; r < grid.repeats; ++r) {
        auto e = base;
        e.sigma = sigma;
        e.population = s;
        e.block_coordinate = false;  // the whole gradient at once, every strategy
        e.blocks.clear();  // the whole gradient, whatever blocks training would split it into
        e.exact_blocks.clear();
        e.enabled = true;
        e.seed = seed + 1000003ull * r;  // independent noise per repeat
        const auto strategy = es::make_search(e, task.layout());
        auto state = strategy->initial(theta);
        if (strategy->traits().wants_gradient) strategy->observe_gradient(state, out.bp_gradient);
        const auto evals = ctx.evaluate(strategy->evaluations(state), [&](std::size_t m) {
          strategy->ask(theta, state, g, m, member);
          return eval.evaluate(member, g, static_cast<std::uint32_t>(m));
        });
        if (ctx.rank() != 0) continue;
        const auto grad = strategy->gradient_estimate(theta, state, g, evals);
        struct {
          std::vector<double> grad;
          bool usable;
          std::size_t failures;
        } est{grad.value_or(std::vector<double>(p, 0.0)), grad.has_value(), 0};
        for (const auto& ev : evals) est.failures += ev.ok() ? 0 : 1;
        const double norm = std::sqrt(dot(est.grad, est.grad));
        estimate_row row;
        row.sigma = sigma;
        row.population = s;
        row.repeat = r;
        row.es_norm = est.usable ? norm : nan;
        row.cosine = est.usable && norm > 0 && out.bp_norm > 0
                         ? dot(est.grad, bp) / (norm * out.bp_norm)
                         : nan;
        row.projection =
            est.usable && out.bp_norm > 0 ? dot(est.grad, bp) / (out.bp_norm * out.bp_norm) : nan;
        row.failures = est.failures;
        out.rows.push_back(row);
      }
  return out;
}

std::vector<horizon_row> horizon_sweep(
    const std::function<std::unique_ptr<tasks::task>(double horizon)>& make,
    std::span<const double> horizons, std::span<const double> theta, std::uint32_t generation) {
  std::vector<horizon_row> rows;
  for (double h : horizons) {
    const auto t = make(h);
    std::vector<double> gh(t->layout().size(), 0.0);
    const auto ev = t->make_evaluator()->gradient(theta, generation, gh);
    rows.push_back({h, ev.ok() ? std::sqrt(dot(gh, gh)) : std::numeric_limits<double>::quiet_NaN(),
                    ev.loss, ev.status});
  }
  return rows;
}

}  // namespace esbio::analysis
