#include "linalg.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace esbio::es::detail {

namespace {

// Householder reduction of the symmetric matrix z (row-major n x n, overwritten by the
// accumulated orthogonal transform Q) to tridiagonal form: diagonal d, sub-diagonal e[1..n-1]
// (e[0] = 0), z^T A z tridiagonal. Rows are reduced from the last, as in the classical
// tred2 (Martin, Reinsch & Wilkinson 1968), each reflection scaled by its row's 1-norm.
void tridiagonalise(std::size_t n, std::vector<double>& z, std::vector<double>& d,
                    std::vector<double>& e) {
  const auto at = [&](std::size_t i, std::size_t j) -> double& { return z[i * n + j]; };
  for (std::size_t j = 0; j < n; ++j) d[j] = at(n - 1, j);
  for (std::size_t i = n - 1; i > 0; --i) {
    double scale = 0, h = 0;
    for (std::size_t k = 0; k < i; ++k) scale += std::abs(d[k]);
    if (scale == 0) {
      e[i] = d[i - 1];
      for (std::size_t j = 0; j < i; ++j) {
        d[j] = at(i - 1, j);
        at(i, j) = 0;
        at(j, i) = 0;
      }
    } else {
      for (std::size_t k = 0; k < i; ++k) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      double f = d[i - 1];
      double g = f > 0 ? -std::sqrt(h) : std::sqrt(h);
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (std::size_t j = 0; j < i; ++j) e[j] = 0;
      for (std::size_t j = 0; j < i; ++j) {
        f = d[j];
        at(j, i) = f;
        g = e[j] + at(j, j) * f;
        for (std::size_t k = j + 1; k < i; ++k) {
          g += at(k, j) * d[k];
          e[k] += at(k, j) * f;
        }
        e[j] = g;
      }
      f = 0;
      for (std::size_t j = 0; j < i; ++j) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const double hh = f / (h + h);
      for (std::size_t j = 0; j < i; ++j) e[j] -= hh * d[j];
      for (std::size_t j = 0; j < i; ++j) {
        f = d[j];
        g = e[j];
        for (std::size_t k = j; k < i; ++k) at(k, j) -= f * e[k] + g * d[k];
        d[j] = at(i - 1, j);
        at(i, j) = 0;
      }
    }
    d[i] = h;
  }
  // Accumulate the transformations.
  for (std::size_t i = 0; i + 1 < n; ++i) {
    at(n - 1, i) = at(i, i);
    at(i, i) = 1;
    const double h = d[i + 1];
    if (h != 0) {
      for (std::size_t k = 0; k <= i; ++k) d[k] = at(k, i + 1) / h;
      for (std::size_t j = 0; j <= i; ++j) {
        double g = 0;
        for (std::size_t k = 0; k <= i; ++k) g += at(k, i + 1) * at(k, j);
        for (std::size_t k = 0; k <= i; ++k) at(k, j) -= g * d[k];
      }
    }
    for (std::size_t k = 0; k <= i; ++k) at(k, i + 1) = 0;
  }
  for (std::size_t j = 0; j < n; ++j) {
    d[j] = at(n - 1, j);
    at(n - 1, j) = 0;
  }
  at(n - 1, n - 1) = 1;
  e[0] = 0;
}

// The implicit QL iteration with Wilkinson shifts on the tridiagonal (d, e), rotating z's
// columns along (classical tql2). Converged eigenvalues in d, eigenvectors in z's columns.
bool diagonalise(std::size_t n, std::vector<double>& z, std::vector<double>& d,
                 std::vector<double>& e) {
  const auto at = [&](std::size_t i, std::size_t j) -> double& { return z[i * n + j]; };
  for (std::size_t i = 1; i < n; ++i) e[i - 1] = e[i];
  e[n - 1] = 0;
  double f = 0, tst1 = 0;
  const double eps = std::ldexp(1.0, -52);
  for (std::size_t l = 0; l < n; ++l) {
    tst1 = std::max(tst1, std::abs(d[l]) + std::abs(e[l]));
    std::size_t m = l;
    while (m < n && std::abs(e[m]) > eps * tst1) ++m;
    if (m == n) m = n - 1;
    if (m > l) {
      for (int iter = 0;; ++iter) {
        if (iter == 60) return false;
        double g = d[l];
        double p = (d[l + 1] - g) / (2 * e[l]);
        double r = std::hypot(p, 1.0);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const double dl1 = d[l + 1];
        double h = g - d[l];
        for (std::size_t i = l + 2; i < n; ++i) d[i] -= h;
        f += h;
        p = d[m];
        double c = 1, c2 = 1, c3 = 1, s = 0, s2 = 0;
        const double el1 = e[l + 1];
        for (std::size_t i = m; i-- > l;) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = std::hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          for (std::size_t k = 0; k < n; ++k) {
            h = at(k, i + 1);
            at(k, i + 1) = s * at(k, i) + c * h;
            at(k, i) = c * at(k, i) - s * h;
          }
        }
        p = -s * s2 * c3 * el1 * e[l] / dl1;
        e[l] = s * p;
        d[l] = c * p;
        if (std::abs(e[l]) <= eps * tst1) break;
      }
    }
    d[l] += f;
    e[l] = 0;
  }
  return true;
}

}  // namespace

void symmetric_eigen(std::size_t n, std::vector<double> a, std::vector<double>& d,
                     std::vector<double>& v) {
  d.assign(n, 0.0);
  v = std::move(a);
  if (n == 0) return;
  std::vector<double> e(n, 0.0);
  tridiagonalise(n, v, d, e);
  if (!diagonalise(n, v, d, e)) throw std::runtime_error("symmetric_eigen: no convergence");
  // Ascending eigenvalues, ties in index order, eigenvectors following.
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t x, std::size_t y) { return d[x] < d[y]; });
  std::vector<double> sorted_d(n), sorted_v(n * n);
  for (std::size_t j = 0; j < n; ++j) {
    sorted_d[j] = d[order[j]];
    for (std::size_t i = 0; i < n; ++i) sorted_v[i * n + j] = v[i * n + order[j]];
  }
  d.swap(sorted_d);
  v.swap(sorted_v);
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
