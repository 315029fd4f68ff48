#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>

#include "esbio/core/hash.hpp"
#include "esbio/core/params.hpp"
#include "esbio/core/spectrum.hpp"

using namespace esbio;

TEST_CASE("parameter blocks are laid out one after another") {
  param_layout l;
  l.add("W1", 1000, 2).add("W2", 2, 1000);
  CHECK(l.size() == 4000);
  CHECK(l.block("W1").offset == 0);
  CHECK(l.block("W2").offset == 2000);
  CHECK(l.index_of("W2") == 1);
  CHECK_THROWS_AS(l.add("W1", 1, 1), std::invalid_argument);
  CHECK_THROWS_AS(l.block("W3"), std::out_of_range);
}

TEST_CASE("the theta hash sees every bit") {
  std::vector<double> a{1.0, 2.0, 3.0};
  const auto h = fnv1a(a);
  CHECK(h == fnv1a(std::vector<double>{1.0, 2.0, 3.0}));
  a[1] = std::nextafter(2.0, 3.0);
  CHECK(h != fnv1a(a));
  CHECK(fnv1a(std::vector<double>{0.0}) != fnv1a(std::vector<double>{-0.0}));
  // FNV-1a 64 of "a" is a published test value.
  CHECK(fnv1a(std::string_view("a")) == 0xaf63dc4c8601ec8cull);
}

TEST_CASE("spectral extremes of known matrices") {
  // diag(-1, -1000): ratio 1000.
  const std::vector<double> d{-1, 0, 0, -1000};
  const auto e = esbio::spectral_extremes(d, 2);
  CHECK(e.largest == doctest::Approx(1000).epsilon(1e-6));
  CHECK(e.smallest == doctest::Approx(1).epsilon(1e-6));
  // A rotation-scaling [[a, -b], [b, a]] has |lambda| = sqrt(a^2 + b^2) twice: ratio 1.
  const std::vector<double> r{-3, 4, -4, -3};  // column-major
  const auto f = esbio::spectral_extremes(r, 2);
  CHECK(f.largest == doctest::Approx(5).epsilon(1e-6));
  CHECK(f.ratio() == doctest::Approx(1).epsilon(1e-6));
  // Upper-triangular 3 x 3 with eigenvalues -2, -50, -0.5 on the diagonal.
  const std::vector<double> u{-2, 0, 0, 1, -50, 0, 3, 2, -0.5};
  const auto g = esbio::spectral_extremes(u, 3, 200);
  CHECK(g.ratio() == doctest::Approx(100).epsilon(1e-3));
}
