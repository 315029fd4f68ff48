// CMA-ES's eigen-decomposition (private to the es layer), against analytic spectra.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "../../src/es/linalg.hpp"

using namespace esbio;

TEST_CASE("symmetric_eigen: analytic spectra, orthonormal vectors, A V = V D") {
  const auto check = [](std::size_t n, const std::vector<double>& a,
                        const std::vector<double>& expected) {
    std::vector<double> d, v;
    es::detail::symmetric_eigen(n, a, d, v);
    REQUIRE(d.size() == n);
    double scale = 0;
    for (double x : a) scale = std::max(scale, std::abs(x));
    for (std::size_t j = 0; j < n; ++j) {
      if (!expected.empty())
        CHECK(d[j] == doctest::Approx(expected[j]).epsilon(1e-13).scale(std::max(scale, 1.0)));
      if (j > 0) CHECK(d[j - 1] <= d[j]);
    }
    double worst_av = 0, worst_orth = 0;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        double av = 0, vtv = 0;
        for (std::size_t k = 0; k < n; ++k) {
          av += a[i * n + k] * v[k * n + j];
          vtv += v[k * n + i] * v[k * n + j];
        }
        worst_av = std::max(worst_av, std::abs(av - v[i * n + j] * d[j]));
        worst_orth = std::max(worst_orth, std::abs(vtv - (i == j ? 1.0 : 0.0)));
      }
    CHECK(worst_av < 1e-12 * std::max(scale, 1.0) * static_cast<double>(n));
    CHECK(worst_orth < 1e-13 * static_cast<double>(n));
  };
  // The second-difference matrix: eigenvalues 2 - 2 cos(k pi / (n + 1)), k = 1..n.
  for (std::size_t n : {1u, 2u, 7u, 188u}) {
    std::vector<double> a(n * n, 0.0), expected(n);
    for (std::size_t i = 0; i < n; ++i) {
      a[i * n + i] = 2;
      if (i + 1 < n) a[i * n + i + 1] = a[(i + 1) * n + i] = -1;
      expected[i] =
          2 - 2 * std::cos(static_cast<double>(i + 1) * M_PI / static_cast<double>(n + 1));
    }
    CAPTURE(n);
    check(n, a, expected);
  }
  // A diagonal matrix with a repeated eigenvalue, and a zero matrix: exact.
  check(4, {3, 0, 0, 0, 0, 1, 0, 0, 0, 0, 3, 0, 0, 0, 0, -2}, {-2, 1, 3, 3});
  check(3, std::vector<double>(9, 0.0), {0, 0, 0});
  // A dense random covariance-like matrix (B B^T / n + I): only the identities.
  const std::size_t n = 60;
  std::vector<double> b(n * n), a(n * n, 0.0);
  for (std::size_t k = 0; k < b.size(); ++k) b[k] = std::sin(1.7 * static_cast<double>(k) + 0.3);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      for (std::size_t k = 0; k < n; ++k) a[i * n + j] += b[i * n + k] * b[j * n + k] / n;
      if (i == j) a[i * n + j] += 1;
    }
  check(n, a, {});
}
