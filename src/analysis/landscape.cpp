#include "esbio/analysis/landscape.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace esbio::analysis {

std::vector<double> smooth(const std::vector<double>& y, double h, double sigma) {
  if (sigma == 0) return y;
  const auto n = static_cast<long>(y.size());
  const long reach = static_cast<long>(std::ceil(4 * sigma / h));
  std::vector<double> out(y.size());
  for (long i = 0; i < n; ++i) {
    double s = 0, w = 0;
    for (long j = std::max(0L, i - reach); j <= std::min(n - 1, i + reach); ++j) {
      if (!std::isfinite(y[j])) continue;
      const double d = static_cast<double>(j - i) * h / sigma;
      const double k = std::exp(-0.5 * d * d);
      s += k * y[j];
      w += k;
    }
    out[i] = w > 0 ? s / w : std::numeric_limits<double>::quiet_NaN();
  }
  return out;
}

std::vector<double> derivative(const std::vector<double>& y, double h) {
  const std::size_t n = y.size();
  std::vector<double> d(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t lo = i == 0 ? 0 : i - 1, hi = i + 1 == n ? n - 1 : i + 1;
    d[i] = (y[hi] - y[lo]) / (static_cast<double>(hi - lo) * h);
  }
  return d;
}

landscape scan_parameter(dist::context& ctx, tasks::evaluator& eval, std::span<const double> theta,
                         std::size_t position, double from, double to, std::size_t points,
                         double sigma, std::uint32_t generation) {
  const double h = (to - from) / static_cast<double>(points - 1);
  std::vector<double> local(theta.begin(), theta.end());
  const auto evals = ctx.evaluate(points, [&](std::size_t i) {
    std::copy(theta.begin(), theta.end(), local.begin());
    local[position] = from + h * static_cast<double>(i);
    return eval.evaluate(local, generation, 0);
  });
  landscape l;
  l.values.resize(points);
  l.loss.resize(points);
  l.status.resize(points);
  l.solver_steps.resize(points);
  for (std::size_t i = 0; i < points; ++i) {
    l.values[i] = from + h * static_cast<double>(i);
    l.loss[i] = evals[i].ok() ? evals[i].loss : std::numeric_limits<double>::quiet_NaN();
    l.status[i] = static_cast<double>(evals[i].status);
    l.solver_steps[i] = static_cast<double>(evals[i].steps);
    l.failures += evals[i].ok() ? 0 : 1;
  }
  l.smoothed_loss = smooth(l.loss, h, sigma);
  l.gradient = derivative(l.loss, h);
  l.smoothed_gradient = derivative(l.smoothed_loss, h);
  return l;
}

}  // namespace esbio::analysis
