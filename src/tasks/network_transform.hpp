#pragma once
// From theta's blocks to a network's arrays and back (docs/network-files.md, "Training"):
// bounds by a smooth transform, recurrent.W holding only the connections the mask keeps, and
// Dale's signs. Private to the tasks layer.
//
// Bounds [lo, hi] on a block map each theta entry u to
//   lo + (hi - lo) sigmoid(u)   both finite
//   lo + softplus(u)            hi = +inf
//   hi - softplus(-u)           lo = -inf
// so any u is inside the bounds and ES and BP move u freely; the initial theta is the inverse
// of the file's values (pulled 1e-9 of the interval inside when they sit on a bound).

#include <cmath>
#include <limits>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "esbio/models/network_description.hpp"

namespace esbio::tasks {

using bounds = std::pair<double, double>;

inline double softplus(double u) {
  return u > 0 ? u + std::log1p(std::exp(-u)) : std::log1p(std::exp(u));
}
inline double logistic(double u) {
  if (u >= 0) return 1 / (1 + std::exp(-u));
  const double e = std::exp(u);
  return e / (1 + e);
}

inline double bounded(double u, const bounds& b) {
  const bool lo = std::isfinite(b.first), hi = std::isfinite(b.second);
  if (lo && hi) return b.first + (b.second - b.first) * logistic(u);
  if (lo) return b.first + softplus(u);
  if (hi) return b.second - softplus(-u);
  return u;
}

inline double bounded_slope(double u, const bounds& b) {
  const bool lo = std::isfinite(b.first), hi = std::isfinite(b.second);
  if (lo && hi) {
    const double s = logistic(u);
    return (b.second - b.first) * s * (1 - s);
  }
  if (lo) return logistic(u);
  if (hi) return logistic(-u);
  return 1;
}

inline double unbounded(double w, const bounds& b) {
  const bool lo = std::isfinite(b.first), hi = std::isfinite(b.second);
  if (lo && hi) {
    const double width = b.second - b.first, eps = 1e-9 * width;
    const double p = (std::clamp(w, b.first + eps, b.second - eps) - b.first) / width;
    return std::log(p / (1 - p));
  }
  if (lo) {
    const double d = std::max(w - b.first, 1e-9);
    return d > 30 ? d : std::log(std::expm1(d));
  }
  if (hi) {
    const double d = std::max(b.second - w, 1e-9);
    return -(d > 30 ? d : std::log(std::expm1(d)));
  }
  return w;
}

// The connections theta's recurrent block holds: every (j, i), or those the mask keeps.
inline std::size_t recurrent_entries(const models::network_description& d) {
  if (d.mask.empty()) return d.w_rec.size();
  std::size_t k = 0;
  for (double m : d.mask) k += m != 0;
  return k;
}

// The effective W (N x N) from theta's recurrent block (or the file's W when it is not
// trained): scattered through the mask, bounded, then signed.
inline void effective_recurrent(const models::network_description& d,
                                const std::optional<std::span<const double>>& block,
                                std::vector<double>& out) {
  const std::size_t n = d.neurons();
  out.assign(n * n, 0.0);
  const auto b = d.bounds.find("recurrent.W");
  std::size_t k = 0;
  for (std::size_t e = 0; e < n * n; ++e) {
    if (!d.mask.empty() && d.mask[e] == 0) continue;
    double w = block ? (*block)[k++] : d.w_rec[e];
    if (block && b != d.bounds.end()) w = bounded(w, b->second);
    if (!d.sign.empty()) w = d.sign[e / n] * std::abs(w);
    out[e] = w;
  }
}

}  // namespace esbio::tasks
