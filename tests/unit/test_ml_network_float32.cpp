#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "ml_test_network.hpp"
#include "random_net.hpp"

using namespace esbio;
using esbio::testing::random_net;
using testing::ml_network;

TEST_CASE(
    "with float32 weights the network is the float64 model on the rounded W_rec, its coupling "
    "sums in single precision") {
  // The coupling product sums floats: inputs rounded to float, one rounding per multiply-add.
  // The oracle is the float64 model on the rounded weights with the a-priori bound of such a
  // sum, |dz_i| <= 2 (n + 1) u sum_j |x_j W[j][i]| (u = 2^-24; 2 allows the multiply and the add
  // to round apart). What does not pass through the product (the w and s equations, the
  // preconditioner without the kinetic synapse) stays bit for bit. N = 100 covers the
  // register-blocked outputs and the remainder loop at every vector width.
  for (const bool kinetic : {false, true}) {
    CAPTURE(kinetic);
    const std::size_t n = 100;
    random_net r(n, 1, 11);
    std::vector<double> rounded(r.w_rec.begin(), r.w_rec.end());
    std::size_t changed = 0;
    for (auto& x : rounded) {
      const double xr = static_cast<float>(x);
      changed += xr != x;
      x = xr;
    }
    REQUIRE(changed > n * n / 2);  // the rounding is real, so the comparison can fail
    testing::ml_net_params p;
    p.kinetic = kinetic;
    ml_network reference(n, p);
    p.float32_weights = true;
    ml_network rounded_net(n, p);
    reference.bind_recurrent(rounded);
    rounded_net.bind_recurrent(r.w_rec);
    reference.set_drive(r.drives[0]);
    rounded_net.set_drive(r.drives[0]);
    const std::size_t m = reference.size();
    std::vector<double> y(m), v(m), lambda(m);
    for (std::size_t i = 0; i < m; ++i) {
      y[i] = i < n ? r.y0[i] + 30 * std::sin(0.7 * double(i)) : 0.2 + 0.1 * std::cos(double(i));
      v[i] = std::sin(1.3 * double(i));
      lambda[i] = std::cos(0.4 * double(i));
    }
    // The product's inputs x_j: the outputs T(V_j), or the synaptic states s_j; and the factor
    // that carries dz_i into dV_i/dt.
    std::vector<double> x(n), factor(n);
    for (std::size_t j = 0; j < n; ++j) {
      x[j] = kinetic ? y[2 * n + j] : reference.output(y[j]);
      factor[j] = (kinetic ? p.syn_gain * std::abs(p.e_syn - y[j]) : p.input_gain) / p.neuron.C;
    }
    const double u = std::ldexp(1.0, -24);
    std::vector<double> a(m), b(m);
    reference.rhs(0, y.data(), a.data());
    rounded_net.rhs(0, y.data(), b.data());
    double worst = 0;  // the error as a share of its bound
    for (std::size_t i = 0; i < n; ++i) {
      double sum = 0;
      for (std::size_t j = 0; j < n; ++j) sum += std::abs(x[j] * rounded[j * n + i]);
      const double bound = 2.0 * double(n + 1) * u * sum * factor[i];
      worst = std::max(worst, std::abs(a[i] - b[i]) / bound);
    }
    MESSAGE("float32 coupling sums: worst dV/dt error / a-priori bound = " << worst);
    CHECK(worst > 0);  // single precision, not the float64 product under another name
    CHECK(worst <= 1);
    for (std::size_t i = n; i < m; ++i) REQUIRE(a[i] == b[i]);
    // J v, the vjp and the blocks: the same single-precision sums, relative to their scale.
    const auto close = [&](const std::vector<double>& e, const std::vector<double>& f) {
      double d = 0;
      for (std::size_t i = 0; i < e.size(); ++i)
        d = std::max(d, std::abs(e[i] - f[i]) / std::max(1.0, std::abs(e[i])));
      return d;
    };
    REQUIRE(reference.jvp(0, y.data(), v.data(), a.data()));
    REQUIRE(rounded_net.jvp(0, y.data(), v.data(), b.data()));
    CHECK(close(a, b) > 0);
    CHECK(close(a, b) < 1e-5);
    std::vector<double> pa(reference.parameter_count()), pb(pa.size());
    REQUIRE(reference.vjp(0, y.data(), lambda.data(), a.data(), pa.data()));
    REQUIRE(rounded_net.vjp(0, y.data(), lambda.data(), b.data(), pb.data()));
    CHECK(close(a, b) < 1e-5);
    CHECK(close(pa, pb) < 1e-5);
    REQUIRE(reference.precondition_setup(0, y.data(), 0.05) == 0);
    REQUIRE(rounded_net.precondition_setup(0, y.data(), 0.05) == 0);
    reference.precondition_solve(v.data(), a.data());
    rounded_net.precondition_solve(v.data(), b.data());
    if (kinetic)
      CHECK(close(a, b) < 1e-5);
    else
      CHECK(a == b);
    // And the unrounded model differs, by the weights' rounding and the sums.
    ml_network full(n, [&] {
      auto q = p;
      q.float32_weights = false;
      return q;
    }());
    full.bind_recurrent(r.w_rec);
    full.set_drive(r.drives[0]);
    full.rhs(0, y.data(), a.data());
    rounded_net.rhs(0, y.data(), b.data());
    MESSAGE("largest relative rhs change from float32: " << close(a, b));
    CHECK(close(a, b) > 0);
    CHECK(close(a, b) < 1e-5);
  }
}
