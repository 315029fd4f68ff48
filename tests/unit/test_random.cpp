#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "esbio/core/philox.hpp"
#include "esbio/core/random.hpp"

using namespace esbio;

TEST_CASE("Philox-4x32-10 reproduces the Random123 known-answer vectors") {
  // Random123 kat_vectors, "philox4x32 10" lines: counter, key -> output.
  CHECK(philox4x32({0, 0, 0, 0}, {0, 0}) ==
        philox_counter{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8});
  CHECK(philox4x32({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff}) ==
        philox_counter{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd});
  CHECK(philox4x32({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}) ==
        philox_counter{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1});
}

TEST_CASE("uniform variates lie in [0, 1) and are a pure function of their coordinates") {
  const random_stream a(42, stream::perturbation, 7, 3), b(42, stream::perturbation, 7, 3);
  double lo = 1, hi = 0;
  for (std::uint64_t i = 0; i < 100000; ++i) {
    const double u = a.uniform(i);
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    lo = std::min(lo, u);
    hi = std::max(hi, u);
    REQUIRE(u == b.uniform(i));
  }
  CHECK(lo < 1e-4);
  CHECK(hi > 1 - 1e-4);
  // Any coordinate changes the numbers.
  CHECK(a.uniform(0) != random_stream(43, stream::perturbation, 7, 3).uniform(0));
  CHECK(a.uniform(0) != random_stream(42, stream::batch, 7, 3).uniform(0));
  CHECK(a.uniform(0) != random_stream(42, stream::perturbation, 8, 3).uniform(0));
  CHECK(a.uniform(0) != random_stream(42, stream::perturbation, 7, 4).uniform(0));
}

TEST_CASE("normal variates have the moments and the CDF of N(0, 1)") {
  const std::size_t n = 1 << 20;
  std::vector<double> z(n);
  random_stream(2023, stream::perturbation, 1, 1).fill_normal(z);
  double m1 = 0, m2 = 0, m3 = 0, m4 = 0;
  for (double v : z) {
    m1 += v;
    m2 += v * v;
    m3 += v * v * v;
    m4 += v * v * v * v;
  }
  m1 /= n;
  m2 /= n;
  m3 /= n;
  m4 /= n;
  // Bounds of about five standard errors: a seeded test that a wrong transform cannot pass.
  CHECK(std::abs(m1) < 5.0 / std::sqrt(double(n)));
  CHECK(std::abs(m2 - 1) < 5.0 * std::sqrt(2.0 / n));
  CHECK(std::abs(m3) < 5.0 * std::sqrt(15.0 / n));
  CHECK(std::abs(m4 - 3) < 5.0 * std::sqrt(96.0 / n));
  // Empirical CDF against Phi at a few points (Kolmogorov-style bound).
  for (double x : {-2.0, -1.0, -0.3, 0.0, 0.5, 1.5, 2.5}) {
    std::size_t below = 0;
    for (double v : z) below += v <= x;
    const double phi = 0.5 * std::erfc(-x / std::sqrt(2.0));
    CHECK(std::abs(double(below) / n - phi) < 2.0 / std::sqrt(double(n)));
  }
}

TEST_CASE("bulk normals equal one-at-a-time normals at any offset") {
  // Lengths across fill_normal's 64-block batches, and offsets whose block index carries into
  // the counter's second word (2^32 blocks in), where the batch computes its counters itself.
  const random_stream rs(0x1234567890abcdefull, stream::perturbation, 2, 9);
  const std::uint64_t carry = (std::uint64_t{1} << 33) - 40;
  for (std::uint64_t first : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{2},
                              std::uint64_t{7}, carry, carry + 1})
    for (std::size_t n : {11u, 128u, 129u, 300u}) {
      std::vector<double> v(n);
      rs.fill_normal(v, first);
      for (std::size_t k = 0; k < v.size(); ++k) CHECK(v[k] == rs.normal(first + k));
    }
}

TEST_CASE("below(n) covers [0, n) evenly") {
  const random_stream rs(1, stream::batch, 0, 0);
  std::vector<int> counts(10, 0);
  for (std::uint64_t i = 0; i < 100000; ++i) counts[rs.below(i, 10)]++;
  for (int c : counts) CHECK(std::abs(c - 10000) < 500);
}
