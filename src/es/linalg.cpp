#include "linalg.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace esbio::es::detail {

void symmetric_eigen(std::size_t n, std::vector<double> a, std::vector<double>& d,
                     std::vector<double>& v) {
  v.assign(n * n, 0.0);
  for (std::size_t i = 0; i < n; ++i) v[i * n + i] = 1;
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0, diag = 0;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) (i == j ? diag : off) += a[i * n + j] * a[i * n + j];
    if (off <= 1e-30 * diag || off == 0) break;
    for (std::size_t p = 0; p + 1 < n; ++p)
      for (std::size_t q = p + 1; q < n; ++q) {
        const double apq = a[p * n + q];
        if (apq == 0) continue;
        const double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const double t =
            (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (std::size_t k = 0; k < n; ++k) {  // columns p, q
          const double akp = a[k * n + p], akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (std::size_t k = 0; k < n; ++k) {  // rows p, q
          const double apk = a[p * n + k], aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (std::size_t k = 0; k < n; ++k) {
          const double vkp = v[k * n + p], vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t x, std::size_t y) { return a[x * n + x] < a[y * n + y]; });
  d.resize(n);
  std::vector<double> sorted(n * n);
  for (std::size_t j = 0; j < n; ++j) {
    d[j] = a[order[j] * n + order[j]];
    for (std::size_t i = 0; i < n; ++i) sorted[i * n + j] = v[i * n + order[j]];
  }
  v.swap(sorted);
}

std::size_t orthonormal_rows(std::vector<double>& a, std::size_t k, std::size_t n) {
  std::size_t kept = 0;
  for (std::size_t r = 0; r < k; ++r) {
    double* row = a.data() + r * n;
    double norm0 = 0;
    for (std::size_t i = 0; i < n; ++i) norm0 += row[i] * row[i];
    for (std::size_t q = 0; q < kept; ++q) {
      const double* b = a.data() + q * n;
      double dot = 0;
      for (std::size_t i = 0; i < n; ++i) dot += row[i] * b[i];
      for (std::size_t i = 0; i < n; ++i) row[i] -= dot * b[i];
    }
    double norm = 0;
    for (std::size_t i = 0; i < n; ++i) norm += row[i] * row[i];
    if (!(norm > 1e-20 * norm0) || !std::isfinite(norm)) continue;
    const double inv = 1 / std::sqrt(norm);
    double* dst = a.data() + kept * n;
    for (std::size_t i = 0; i < n; ++i) dst[i] = row[i] * inv;
    ++kept;
  }
  a.resize(kept * n);
  return kept;
}

}  // namespace esbio::es::detail
