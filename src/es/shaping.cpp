#include "esbio/es/shaping.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace esbio::es {

std::vector<double> centred_ranks(std::span<const double> losses) {
  const std::size_t n = losses.size();
  std::vector<double> u(n, 0.0);
  if (n < 2) return u;
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  // stable_sort keeps the result independent of the sort implementation's tie handling.
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return losses[a] < losses[b]; });
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i + 1;
    while (j < n && losses[order[j]] == losses[order[i]]) ++j;
    const double avg_rank = 0.5 * static_cast<double>(i + j - 1);
    for (std::size_t k = i; k < j; ++k) u[order[k]] = avg_rank / static_cast<double>(n - 1) - 0.5;
    i = j;
  }
  return u;
}

double failure_loss(std::optional<double> configured, bool any_ok, double worst, double best) {
  if (!any_ok) return configured.value_or(std::numeric_limits<double>::quiet_NaN());
  if (configured && *configured > worst) return *configured;
  // One spread of the successes above the worst; when they all scored the same (a silent
  // neuron scores exactly 0), the worst's own size, or 1.
  const double spread = worst - best;
  const double margin = spread > 0 ? spread : (worst != 0 ? std::abs(worst) : 1.0);
  return worst + margin;
}

}  // namespace esbio::es
