#include "esbio/core/spectrum.hpp"

#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

namespace esbio {

namespace {

double normalise(std::vector<double>& x) {
  double s = 0;
  for (double v : x) s += v * v;
  const double norm = std::sqrt(s);
  for (double& v : x) v /= norm;
  return norm;
}

// Mean log growth over the second half of `iterations` applications of `apply`.
template <class F>
double radius(std::size_t n, int iterations, F apply) {
  std::vector<double> x(n), y(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = 1.0 + 0.1 * std::sin(1.0 + static_cast<double>(i));
  normalise(x);
  double log_sum = 0;
  int counted = 0;
  for (int k = 0; k < iterations; ++k) {
    if (!apply(x, y)) return std::numeric_limits<double>::infinity();
    const double g = normalise(y);
    if (!(g > 0) || !std::isfinite(g)) return std::numeric_limits<double>::infinity();
    if (k >= iterations / 2) {
      log_sum += std::log(g);
      ++counted;
    }
    x.swap(y);
  }
  return std::exp(log_sum / counted);
}

}  // namespace

spectral_estimate spectral_extremes(std::span<const double> a, std::size_t n, int iterations) {
  spectral_estimate e;
  e.largest = radius(n, iterations, [&](const std::vector<double>& x, std::vector<double>& y) {
    std::fill(y.begin(), y.end(), 0.0);
    for (std::size_t j = 0; j < n; ++j)
      for (std::size_t i = 0; i < n; ++i) y[i] += a[i + j * n] * x[j];
    return true;
  });
  // LU with partial pivoting for the products with J^-1.
  std::vector<double> lu(a.begin(), a.end());
  std::vector<std::size_t> piv(n);
  std::iota(piv.begin(), piv.end(), std::size_t{0});
  for (std::size_t k = 0; k < n; ++k) {
    std::size_t p = k;
    for (std::size_t i = k + 1; i < n; ++i)
      if (std::abs(lu[i + k * n]) > std::abs(lu[p + k * n])) p = i;
    if (lu[p + k * n] == 0) {
      e.smallest = 0;
      return e;
    }
    if (p != k) {
      for (std::size_t j = 0; j < n; ++j) std::swap(lu[k + j * n], lu[p + j * n]);
      std::swap(piv[k], piv[p]);
    }
    for (std::size_t i = k + 1; i < n; ++i) {
      lu[i + k * n] /= lu[k + k * n];
      for (std::size_t j = k + 1; j < n; ++j) lu[i + j * n] -= lu[i + k * n] * lu[k + j * n];
    }
  }
  const double inv_radius =
      radius(n, iterations, [&](const std::vector<double>& x, std::vector<double>& y) {
        for (std::size_t i = 0; i < n; ++i) y[i] = x[piv[i]];
        for (std::size_t i = 0; i < n; ++i)
          for (std::size_t j = 0; j < i; ++j) y[i] -= lu[i + j * n] * y[j];
        for (std::size_t i = n; i-- > 0;) {
          for (std::size_t j = i + 1; j < n; ++j) y[i] -= lu[i + j * n] * y[j];
          y[i] /= lu[i + i * n];
        }
        return true;
      });
  e.smallest = 1 / inv_radius;
  return e;
}

}  // namespace esbio
