#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "esbio/core/random.hpp"
#include "esbio/models/fast_tanh.hpp"
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
    models::cubic_mlp_field batch(2, hidden, 3);  // block diagonal, each block its copy's
    batch.bind(w1, w2);
    CHECK(jacobian_error(batch, {0.4, -0.2, 1.1, 0.9, -0.6, 0.3}) < 1e-6);
  }
}

TEST_CASE("the MLP field agrees with a long-double evaluation of W2 tanh(W1 y^3)") {
  // An independent evaluation in extended precision, element by element in the textbook order:
  // the vectorised sums and libmvec's tanh must stay within a few ulp of the field's scale.
  const std::size_t hidden = 1000;
  std::vector<double> w1(hidden * 2), w2(2 * hidden);
  random_stream(9, stream::init, 0, 0).fill_uniform(w1, -0.7, 0.7);
  random_stream(9, stream::init, 0, 1).fill_uniform(w2, -0.03, 0.03);
  models::cubic_mlp_field f(2, hidden);
  f.bind(w1, w2);
  double worst = 0;
  for (const auto& y : {std::vector<double>{2.0, 0.0}, std::vector<double>{-0.9, 1.3},
                        std::vector<double>{0.05, -0.4}}) {
    double out[2];
    f.rhs(0, y.data(), out);
    for (std::size_t i = 0; i < 2; ++i) {
      long double s = 0, scale = 0;
      for (std::size_t k = 0; k < hidden; ++k) {
        const long double z = static_cast<long double>(w1[2 * k]) * y[0] * y[0] * y[0] +
                              static_cast<long double>(w1[2 * k + 1]) * y[1] * y[1] * y[1];
        const long double term = w2[i * hidden + k] * std::tanh(z);
        s += term;
        scale += std::abs(term);
      }
      worst = std::max(worst, static_cast<double>(std::abs(out[i] - s) / scale));
    }
  }
  MESSAGE("largest error relative to the sum of |terms|: " << worst);
  CHECK(worst < 1e-15);
}

TEST_CASE("a batch of copies is each copy's field, bit for bit") {
  const std::size_t hidden = 37, copies = 5;
  std::vector<double> w1(hidden * 2), w2(2 * hidden), y(2 * copies), lambda(2 * copies);
  random_stream(8, stream::init, 0, 0).fill_normal(w1);
  random_stream(8, stream::init, 0, 1).fill_normal(w2);
  random_stream(8, stream::data, 0, 0).fill_normal(y);
  random_stream(8, stream::data, 0, 1).fill_normal(lambda);
  models::cubic_mlp_field one(2, hidden), batch(2, hidden, copies);
  one.bind(w1, w2);
  batch.bind(w1, w2);
  REQUIRE(batch.size() == 2 * copies);
  std::vector<double> f(2 * copies), gy(2 * copies), gp(batch.parameter_count()),
      sum_p(gp.size(), 0.0);
  batch.rhs(0, y.data(), f.data());
  REQUIRE(batch.vjp(0, y.data(), lambda.data(), gy.data(), gp.data()));
  for (std::size_t b = 0; b < copies; ++b) {
    double fb[2], gb[2];
    std::vector<double> pb(gp.size());
    one.rhs(0, y.data() + 2 * b, fb);
    REQUIRE(one.vjp(0, y.data() + 2 * b, lambda.data() + 2 * b, gb, pb.data()));
    CHECK(fb[0] == f[2 * b]);
    CHECK(fb[1] == f[2 * b + 1]);
    CHECK(gb[0] == gy[2 * b]);
    CHECK(gb[1] == gy[2 * b + 1]);
    for (std::size_t k = 0; k < pb.size(); ++k) sum_p[k] += pb[k];
  }
  double worst = 0;  // the parameter gradient is the copies' sum (to rounding: fused updates)
  for (std::size_t k = 0; k < gp.size(); ++k)
    worst = std::max(worst, std::abs(gp[k] - sum_p[k]) / std::max(1.0, std::abs(sum_p[k])));
  CHECK(worst < 1e-14);
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
    models::cubic_mlp_field batch(2, hidden, 3);
    batch.bind(std::span(p).first(2 * hidden), std::span(p).last(2 * hidden));
    const auto e = testing::check_vjp(batch, {0.4, -0.2, 1.1, 0.9, -0.6, 0.3},
                                      {0.7, -1.3, 0.2, 0.5, -0.9, 1.1}, p);
    CHECK(e.state < 1e-6);
    CHECK(e.params < 1e-6);
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

TEST_CASE("the float32 MLP field is the float64 field to single-precision rounding") {
  // The reference is the float64 field of the same weights; float32's error bound per output is
  // about sqrt(H) eps32 times the sum of |W2_ik h_k|, so it is checked against that scale.
  const std::size_t hidden = 1000;
  std::vector<double> w1(hidden * 2), w2(2 * hidden);
  random_stream(3, stream::init, 0, 0).fill_uniform(w1, -1.0, 1.0);
  random_stream(3, stream::init, 0, 1).fill_uniform(w2, -0.7, 0.7);
  models::cubic_mlp_field f64(2, hidden), f32(2, hidden, 1, models::field_precision::float32);
  f64.bind(w1, w2);
  f32.bind(w1, w2);
  double worst = 0;
  for (const auto& y : {std::vector<double>{2.0, 0.0}, std::vector<double>{-0.3, 1.4},
                        std::vector<double>{0.01, -0.02}}) {
    double a[2], b[2];
    f64.rhs(0, y.data(), a);
    f32.rhs(0, y.data(), b);
    for (int i = 0; i < 2; ++i) {
      double scale = 0;
      for (std::size_t k = 0; k < hidden; ++k) {
        const double z = w1[2 * k] * std::pow(y[0], 3) + w1[2 * k + 1] * std::pow(y[1], 3);
        scale += std::abs(w2[i * hidden + k] * std::tanh(z));
      }
      worst = std::max(worst, std::abs(a[i] - b[i]) / scale);
    }
  }
  MESSAGE("float32 field: worst error / sum |W2 h| = " << worst);
  CHECK(worst < 1e-6);
  CHECK(worst > 0);  // it is single precision, not the double path under another name
}

TEST_CASE("the float32 tanh is within 6 ulp of the correctly rounded tanh, odd and saturating") {
  // Oracle: double tanh rounded to float is the correctly rounded float32 tanh (double's 29 extra
  // bits leave no ties here). The grid covers the whole fitted range densely, the saturation
  // beyond the clamp and tiny arguments, in both signs.
  std::vector<float> x;
  for (int k = 0; k <= 2000000; ++k) x.push_back(static_cast<float>(k * 1e-5));  // [0, 20]
  for (int k = 0; k <= 300; ++k)
    x.push_back(std::pow(10.0f, -30.0f + static_cast<float>(k) * 0.1f));
  x.push_back(1e30f);
  const std::size_t half = x.size();
  for (std::size_t k = 0; k < half; ++k) x.push_back(-x[k]);
  std::vector<float> y = x;
  models::tanh_rational(y.data(), y.size());
  double worst = 0, worst_at = 0;
  for (std::size_t k = 0; k < x.size(); ++k) {
    const float exact = static_cast<float>(std::tanh(static_cast<double>(x[k])));
    const float a = std::abs(exact);
    const double ulp = a == 0 ? std::numeric_limits<float>::denorm_min()
                              : std::min(std::nextafter(a, 2.0f) - a, a - std::nextafter(a, 0.0f));
    const double err = std::abs(static_cast<double>(y[k]) - exact) / ulp;
    if (err > worst) worst = err, worst_at = x[k];
    REQUIRE(std::abs(y[k]) <= 1.0f);
  }
  MESSAGE("float32 tanh: worst " << worst << " ulp at x = " << worst_at);
  CHECK(worst <= 6.0);
  CHECK(worst >= 1.0);  // an approximation, not tanhf under another name
  for (std::size_t k = 0; k < half; ++k) REQUIRE(y[half + k] == -y[k]);
  CHECK(y[0] == 0.0f);
  const float tiny[2] = {1e-20f, 20.0f};
  std::vector<float> t(tiny, tiny + 2);
  models::tanh_rational(t.data(), 2);
  CHECK(t[0] == 1e-20f);
  CHECK(t[1] >= 0.99999994f);
}
