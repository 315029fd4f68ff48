#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "esbio/core/random.hpp"
#include "esbio/models/mlp_field.hpp"
#include "esbio/models/spiral.hpp"
#include "vjp_check.hpp"

using namespace esbio;

namespace {

// Largest relative deviation of the analytic Jacobian from central differences.
double jacobian_error(ode::system& sys, const std::vector<double>& y) {
  const std::size_t n = sys.size();
  std::vector<double> jac(n * n, 0.0), fp(n), fm(n), yp = y, ym = y;
  REQUIRE(sys.jacobian(0.0, y.data(), jac.data()));
  double worst = 0;
  for (std::size_t j = 0; j < n; ++j) {
    const double h = 1e-6 * std::max(1.0, std::abs(y[j]));
    yp = y;
    ym = y;
    yp[j] += h;
    ym[j] -= h;
    sys.rhs(0.0, yp.data(), fp.data());
    sys.rhs(0.0, ym.data(), fm.data());
    for (std::size_t i = 0; i < n; ++i) {
      const double fd = (fp[i] - fm[i]) / (2 * h);
      const double an = jac[i + n * j];
      worst = std::max(worst, std::abs(fd - an) / std::max(1.0, std::abs(an)));
    }
  }
  return worst;
}

}  // namespace

TEST_CASE("the cubic spiral's right-hand side and Jacobian") {
  models::cubic_spiral s;
  const double y[2] = {2.0, -1.0};
  double f[2];
  s.rhs(0, y, f);
  // (y^3) A = [8, -1] [[-0.1, 2], [-2, -0.1]] = [-0.8 + 2, 16 + 0.1]
  CHECK(f[0] == doctest::Approx(1.2));
  CHECK(f[1] == doctest::Approx(16.1));
  CHECK(jacobian_error(s, {2.0, -1.0}) < 1e-7);
  CHECK(jacobian_error(s, {0.3, 0.7}) < 1e-7);
}

TEST_CASE("the MLP field's Jacobian matches central differences") {
  for (std::size_t hidden : {1u, 7u, 200u}) {
    models::cubic_mlp_field f(2, hidden);
    std::vector<double> w1(hidden * 2), w2(2 * hidden);
    random_stream(3, stream::init, 0, 0).fill_normal(w1);
    random_stream(3, stream::init, 0, 1).fill_normal(w2);
    f.bind(w1, w2);
    for (const auto& y : {std::vector<double>{0.4, -0.2}, std::vector<double>{1.1, 0.9}})
      CHECK(jacobian_error(f, y) < 1e-6);
  }
}

TEST_CASE("the MLP field's vector-Jacobian products match central differences") {
  for (std::size_t hidden : {1u, 7u, 200u}) {
    models::cubic_mlp_field f(2, hidden);
    std::vector<double> p(4 * hidden);  // W1 then W2, as parameter_count() orders them
    random_stream(5, stream::init, 0, 0).fill_normal(p);
    f.bind(std::span(p).first(2 * hidden), std::span(p).last(2 * hidden));
    REQUIRE(f.parameter_count() == p.size());
    for (const auto& y : {std::vector<double>{0.4, -0.2}, std::vector<double>{1.1, 0.9}}) {
      const auto e = testing::check_vjp(f, y, {0.7, -1.3}, p);
      CHECK(e.state < 1e-6);
      CHECK(e.params < 1e-6);
    }
  }
}

TEST_CASE("the MLP field computes W2 tanh(W1 y^3)") {
  models::cubic_mlp_field f(2, 2);
  const std::vector<double> w1{1.0, 0.0, 0.5, -1.0}, w2{2.0, 0.0, 1.0, 3.0};
  f.bind(w1, w2);
  const double y[2] = {1.0, 2.0};
  double out[2];
  f.rhs(0, y, out);
  const double h0 = std::tanh(1.0), h1 = std::tanh(0.5 - 8.0);
  CHECK(out[0] == doctest::Approx(2 * h0));
  CHECK(out[1] == doctest::Approx(h0 + 3 * h1));
  CHECK_THROWS_AS(f.bind(w1, std::vector<double>(3)), std::invalid_argument);
}
