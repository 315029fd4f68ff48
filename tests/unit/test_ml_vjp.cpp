// Vector-Jacobian products of the Morris-Lecar models against their analytic Jacobians and
// central finite differences of the right-hand side (the oracles of docs/science.md section 4).
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "esbio/core/random.hpp"
#include "esbio/models/single_neuron.hpp"
#include "ml_test_network.hpp"

using namespace esbio;
using testing::ml_network;

namespace {

// J^T lambda from the dense analytic Jacobian (column-major).
std::vector<double> dense_jt_lambda(ode::system& sys, const std::vector<double>& y,
                                    const std::vector<double>& lambda) {
  const std::size_t m = sys.size();
  std::vector<double> jac(m * m, 0.0), out(m, 0.0);
  REQUIRE(sys.jacobian(0, y.data(), jac.data()));
  for (std::size_t j = 0; j < m; ++j)
    for (std::size_t i = 0; i < m; ++i) out[j] += jac[i + j * m] * lambda[i];
  return out;
}

// lambda . (f(p + h) - f(p - h)) / 2h, with set(x) installing parameter value x.
template <class Set>
double fd_lambda_dfdp(ode::system& sys, const std::vector<double>& y,
                      const std::vector<double>& lambda, double p0, double h, Set set) {
  std::vector<double> fp(sys.size()), fm(sys.size());
  set(p0 + h);
  sys.rhs(0, y.data(), fp.data());
  set(p0 - h);
  sys.rhs(0, y.data(), fm.data());
  set(p0);
  double s = 0;
  for (std::size_t i = 0; i < sys.size(); ++i) s += lambda[i] * (fp[i] - fm[i]) / (2 * h);
  return s;
}

std::vector<double> uniform(std::size_t n, double lo, double hi, std::uint32_t k) {
  std::vector<double> x(n);
  random_stream(17, stream::data, 7, k).fill_uniform(x, lo, hi);
  return x;
}

}  // namespace

TEST_CASE("ml_neuron VJP: J^T lambda and (df/dI)^T lambda") {
  for (double c : {20.0, 1.0}) {  // task B's C and task A's C = 1
    models::morris_lecar::params p;
    p.C = c;
    p.EL = -55;
    double current = 50;
    models::single_neuron<models::morris_lecar> neuron(p, current);
    REQUIRE(neuron.parameter_count() == 1);
    const std::vector<double> y{-12.0, 0.31}, lambda{0.7, -1.3};
    double out_y[2], out_p[1];
    REQUIRE(neuron.vjp(0, y.data(), lambda.data(), out_y, out_p));
    const auto ref = dense_jt_lambda(neuron, y, lambda);
    CHECK(out_y[0] == doctest::Approx(ref[0]).epsilon(1e-13));
    CHECK(out_y[1] == doctest::Approx(ref[1]).epsilon(1e-13));
    const double fd =
        fd_lambda_dfdp(neuron, y, lambda, current, 1e-4, [&](double i) { neuron.set_current(i); });
    CHECK(out_p[0] == doctest::Approx(fd).epsilon(1e-9));
  }
}

TEST_CASE("network VJP, both synapse modes: J^T lambda and (df/dp)^T lambda, p = (W_rec, drive)") {
  const std::size_t n = 5;
  for (bool kinetic : {false, true}) {
    CAPTURE(kinetic);
    testing::ml_net_params np;
    np.kinetic = kinetic;
    ml_network net(n, np);
    auto w_rec = uniform(n * n, -0.5, 0.5, 0);
    auto drive = uniform(n, -0.2, 0.6, 1);
    net.bind_recurrent(w_rec);
    net.set_drive(drive);
    const std::size_t m = net.size();
    REQUIRE(net.parameter_count() == n * n + n);
    std::vector<double> y(m);
    const auto v = uniform(n, -60, 30, 2), w = uniform(n, 0.0, 0.6, 3), s = uniform(n, 0, 1, 4);
    for (std::size_t i = 0; i < n; ++i) {
      y[i] = v[i];
      y[n + i] = w[i];
      if (kinetic) y[2 * n + i] = s[i];
    }
    const auto lambda = uniform(m, -1, 1, 5);
    std::vector<double> out_y(m), out_p(n * n + n);
    REQUIRE(net.vjp(0, y.data(), lambda.data(), out_y.data(), out_p.data()));

    const auto ref = dense_jt_lambda(net, y, lambda);
    for (std::size_t j = 0; j < m; ++j)
      CHECK(out_y[j] == doctest::Approx(ref[j]).epsilon(1e-12).scale(1e-12));

    // f is affine in W_rec and in the drive: central differences are exact up to rounding.
    const double h = 1e-3;
    for (std::size_t k = 0; k < n * n; ++k) {
      const double fd =
          fd_lambda_dfdp(net, y, lambda, w_rec[k], h, [&](double x) { w_rec[k] = x; });
      CHECK(out_p[k] == doctest::Approx(fd).epsilon(1e-9).scale(1e-9));
    }
    for (std::size_t i = 0; i < n; ++i) {
      const double fd = fd_lambda_dfdp(net, y, lambda, drive[i], h, [&](double x) {
        drive[i] = x;
        net.set_drive(drive);
      });
      CHECK(out_p[n * n + i] == doctest::Approx(fd).epsilon(1e-9).scale(1e-9));
    }

    // Either output may be skipped, and outputs are overwritten, not accumulated.
    std::vector<double> only_y(m, 123.0), only_p(n * n + n, 456.0);
    REQUIRE(net.vjp(0, y.data(), lambda.data(), only_y.data(), nullptr));
    REQUIRE(net.vjp(0, y.data(), lambda.data(), nullptr, only_p.data()));
    CHECK(only_y == out_y);
    CHECK(only_p == out_p);
  }
}

TEST_CASE("the transposed block preconditioner is the transpose of the forward one") {
  for (const bool kinetic : {false, true}) {
    testing::ml_net_params p;
    p.kinetic = kinetic;
    ml_network net(5, p);
    std::vector<double> w_rec(25), y(net.size()), r1(net.size()), r2(net.size()), z1(net.size()),
        z2(net.size());
    random_stream(3, stream::data, 0, 0).fill_uniform(w_rec, -0.5, 0.5);
    random_stream(3, stream::data, 0, 1).fill_uniform(y, -0.5, 0.5);
    for (std::size_t i = 0; i < 5; ++i) y[i] = -60 + 80 * (y[i] + 0.5);
    random_stream(3, stream::data, 0, 2).fill_normal(r1);
    random_stream(3, stream::data, 0, 3).fill_normal(r2);
    net.bind_recurrent(w_rec);
    REQUIRE(net.precondition_setup(0, y.data(), 0.7) == 0);
    net.precondition_solve(r1.data(), z1.data());
    net.precondition_solve_transposed(r2.data(), z2.data());
    double a = 0, b = 0;  // r2 . P^-1 r1 == r1 . P^-T r2
    for (std::size_t k = 0; k < y.size(); ++k) {
      a += r2[k] * z1[k];
      b += r1[k] * z2[k];
    }
    CHECK(a == doctest::Approx(b).epsilon(1e-13));
  }
}
