#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>

#include "esbio/core/hash.hpp"
#include "esbio/core/params.hpp"

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
