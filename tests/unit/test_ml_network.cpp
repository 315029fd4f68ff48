#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "esbio/core/random.hpp"
#include "esbio/core/spectrum.hpp"
#include "esbio/models/single_neuron.hpp"
#include "esbio/ode/integrator.hpp"
#include "ml_formulas.hpp"
#include "ml_test_network.hpp"
#include "random_net.hpp"
#include "reference_file.hpp"

using namespace esbio;
using esbio::testing::random_net;
using testing::ml_network;

namespace {

// Largest relative deviation of the network's analytic Jacobian from central differences
// (steps of 1e-5 in V, 1e-7 in the gating variables).
double jacobian_fd_error(ml_network& net, const std::vector<double>& y) {
  const std::size_t m = net.size(), n = net.neurons();
  std::vector<double> jac(m * m, 0.0), fp(m), fm(m);
  net.jacobian(0, y.data(), jac.data());
  double worst = 0;
  for (std::size_t j = 0; j < m; ++j) {
    const double h = j < n ? 1e-5 : 1e-7;
    auto yp = y, ym = y;
    yp[j] += h;
    ym[j] -= h;
    net.rhs(0, yp.data(), fp.data());
    net.rhs(0, ym.data(), fm.data());
    for (std::size_t i = 0; i < m; ++i)
      worst = std::max(worst, std::abs((fp[i] - fm[i]) / (2 * h) - jac[i + j * m]) /
                                  std::max(1e-3, std::abs(jac[i + j * m])));
  }
  return worst;
}

}  // namespace

TEST_CASE("the network Jacobian, dense in the V-V block, matches central differences") {
  random_net r(6, 1, 4);
  ml_network net(6);
  net.bind_recurrent(r.w_rec);
  net.set_drive(r.drives[0]);
  auto y = r.y0;
  y[2] = 15;  // one neuron mid-spike
  y[8] = 0.3;
  CHECK(jacobian_fd_error(net, y) < 1e-5);
}

TEST_CASE("an uncoupled one-neuron network is the single neuron with the mapped current") {
  ml_network net(1);
  const std::vector<double> w{0.0}, drive{0.3};
  net.bind_recurrent(w);
  net.set_drive(drive);
  const double current = (0.1 + 0.3) * 36.75 + 39.9;
  models::single_neuron<models::morris_lecar> single(models::morris_lecar::params{}, current);
  const double y[2] = {-25, 0.2};
  double a[2], b[2];
  net.rhs(0, y, a);
  single.rhs(0, y, b);
  CHECK(a[0] == doctest::Approx(b[0]).epsilon(1e-14));
  CHECK(a[1] == doctest::Approx(b[1]).epsilon(1e-14));
}

TEST_CASE("the network's gates (two exps) are the textbook tanh and cosh formulas at any V") {
  // The model computes m, w_inf, cosh and their slopes from e^{-|x|} and e^{-2|y|}; the test
  // keeps the textbook formulas (ml_formulas.hpp). Same functions, so equal to rounding, also far
  // outside the physiological range (an ES member's excursions) where a cancellation would show.
  ml_network net(1);
  const std::vector<double> w{0.0}, drive{0.3};
  net.bind_recurrent(w);
  net.set_drive(drive);
  const double current = (0.1 + 0.3) * 36.75 + 39.9;
  double worst_rhs = 0, worst_jac = 0;
  for (double v = -200; v <= 150; v += 1.25)
    for (double gate : {0.0, 0.014173, 0.4, 1.0}) {
      const double y[2] = {v, gate};
      const auto l = ml_formulas::local(models::morris_lecar::params{}, v, gate, current);
      double a[2], jac[4] = {};
      net.rhs(0, y, a);
      const double b[2] = {l.dv, l.dw};
      for (int k = 0; k < 2; ++k)
        worst_rhs = std::max(worst_rhs, std::abs(a[k] - b[k]) / std::max(1.0, std::abs(b[k])));
      // The Jacobian-vector product (GMRES's, and the preconditioner's linearisation) against
      // the formulas' partials: columns e_V and e_w.
      for (int col = 0; col < 2; ++col) {
        const double e[2] = {col == 0 ? 1.0 : 0.0, col == 1 ? 1.0 : 0.0};
        REQUIRE(net.jvp(0, y, e, jac + 2 * col));
      }
      const double ref[4] = {l.dv_dv, l.dw_dv, l.dv_dw, l.dw_dw};  // column-major
      for (int k = 0; k < 4; ++k)
        worst_jac =
            std::max(worst_jac, std::abs(jac[k] - ref[k]) / std::max(1.0, std::abs(ref[k])));
    }
  MESSAGE("worst relative difference: rhs " << worst_rhs << ", J v " << worst_jac);
  CHECK(worst_rhs < 1e-13);
  CHECK(worst_jac < 1e-13);
}

TEST_CASE("the paper's fixed-step scheme converges to the BDF solution at first order") {
  const std::size_t n = 8, tokens = 5;
  const double token_ms = 4.0;
  random_net r(n, tokens, 9);
  ml_network net(n);
  net.bind_recurrent(r.w_rec);

  // Reference: BDF at tight tolerance, restarted at every token boundary.
  ode::solver_options o;
  o.lmm = ode::method::bdf;  // the struct's default when this was written
  o.nls = ode::nonlinear_solver::newton;
  o.rtol = 1e-10;
  o.atol = 1e-10;
  ode::integrator ig(o);
  std::vector<double> y = r.y0, reference;
  for (std::size_t k = 0; k < tokens; ++k) {
    net.set_drive(r.drives[k]);
    const std::vector<double> t_out{token_ms * double(k + 1)};
    std::vector<double> out(2 * n);
    REQUIRE(ig.solve(net, token_ms * double(k), y, t_out, out).status ==
            ode::solve_status::success);
    y = out;
    reference.insert(reference.end(), out.begin(), out.begin() + n);
  }

  auto max_error = [&](double dt) {
    std::vector<double> v(r.y0.begin(), r.y0.begin() + n), w(r.y0.begin() + n, r.y0.end()), t(n);
    for (std::size_t i = 0; i < n; ++i) t[i] = net.output(v[i]);
    const auto steps = static_cast<long>(std::lround(token_ms / dt));
    double err = 0;
    for (std::size_t k = 0; k < tokens; ++k) {
      net.set_drive(r.drives[k]);
      for (long s = 0; s < steps; ++s) net.semi_implicit_step(v, w, t, dt);
      for (std::size_t i = 0; i < n; ++i)
        err = std::max(err, std::abs(v[i] - reference[k * n + i]));
    }
    return err;
  };
  const double e1 = max_error(0.1), e2 = max_error(0.01), e3 = max_error(0.001);
  MESSAGE("max |V - V_BDF| at token boundaries: dt=0.1 " << e1 << " mV, dt=0.01 " << e2
                                                         << " mV, dt=0.001 " << e3 << " mV");
  CHECK(e2 < 0.2 * e1);
  CHECK(e3 < 0.2 * e2);
  CHECK(e3 < 0.5);
}

TEST_CASE("GMRES with the block preconditioner agrees with dense LU") {
  const std::size_t n = 10;
  random_net r(n, 3, 13);
  ml_network net(n);
  net.bind_recurrent(r.w_rec);
  auto run = [&](ode::linear_solver ls) {
    ode::solver_options o;
    o.lmm = ode::method::bdf;  // the struct's default when this was written
    o.nls = ode::nonlinear_solver::newton;
    o.rtol = 1e-9;
    o.atol = 1e-9;
    o.ls = ls;
    ode::integrator ig(o);
    std::vector<double> y = r.y0, out(2 * n);
    long iters = 0;
    for (std::size_t k = 0; k < 3; ++k) {
      net.set_drive(r.drives[k]);
      const std::vector<double> t_out{4.0 * double(k + 1)};
      const auto res = ig.solve(net, 4.0 * double(k), y, t_out, out);
      REQUIRE(res.status == ode::solve_status::success);
      iters += res.stats.lin_iters;
      y = out;
    }
    return std::pair{y, iters};
  };
  const auto [dense, dense_iters] = run(ode::linear_solver::dense);
  const auto [gmres, gmres_iters] = run(ode::linear_solver::gmres);
  const auto [block, block_iters] = run(ode::linear_solver::block);
  for (std::size_t i = 0; i < 2 * n; ++i) {
    CHECK(std::abs(dense[i] - gmres[i]) < 1e-5);
    CHECK(std::abs(dense[i] - block[i]) < 1e-5);
  }
  CHECK(dense_iters == 0);
  CHECK(gmres_iters > 0);
  CHECK(block_iters == 0);  // Newton's correction is the block solve alone: no Krylov iterations
}

TEST_CASE("the preconditioner inverts each neuron's block of I - gamma J") {
  const std::size_t n = 5;
  random_net r(n, 1, 2);
  ml_network net(n);
  net.bind_recurrent(r.w_rec);
  net.set_drive(r.drives[0]);
  const double gamma = 0.05;
  REQUIRE(net.precondition_setup(0, r.y0.data(), gamma) == 0);
  std::vector<double> jac(4 * n * n, 0.0), rhs(2 * n), z(2 * n);
  net.jacobian(0, r.y0.data(), jac.data());
  for (std::size_t k = 0; k < 2 * n; ++k) rhs[k] = std::sin(1.0 + double(k));
  net.precondition_solve(rhs.data(), z.data());
  // (I - gamma J_block) z = r, with J_block the 2 x 2 diagonal blocks of the full Jacobian.
  const std::size_t m = 2 * n;
  for (std::size_t i = 0; i < n; ++i) {
    const double a = jac[i + i * m], b = jac[i + (n + i) * m], c = jac[(n + i) + i * m],
                 d = jac[(n + i) + (n + i) * m];
    CHECK((1 - gamma * a) * z[i] - gamma * b * z[n + i] == doctest::Approx(rhs[i]));
    CHECK(-gamma * c * z[i] + (1 - gamma * d) * z[n + i] == doctest::Approx(rhs[n + i]));
  }
}

TEST_CASE("network trajectories agree with an independent SciPy Radau solve") {
  const auto lines = testing::reference_rows("ml_network_scipy.txt");
  const std::size_t n = 6;
  REQUIRE(lines.size() == 5 + 24);
  ml_network net(n);
  net.bind_recurrent(lines[0]);
  for (auto ls :
       {ode::linear_solver::dense, ode::linear_solver::gmres, ode::linear_solver::block}) {
    CAPTURE(static_cast<int>(ls));
    ode::solver_options o;
    o.lmm = ode::method::bdf;  // the struct's default when this was written
    o.nls = ode::nonlinear_solver::newton;
    o.rtol = 1e-11;
    o.atol = 1e-11;
    o.ls = ls;
    ode::integrator ig(o);
    std::vector<double> y = lines[4];
    double worst_v = 0, worst_w = 0;
    for (std::size_t k = 0; k < 3; ++k) {
      net.set_drive(lines[1 + k]);
      std::vector<double> t_out;
      for (std::size_t r = 0; r < 8; ++r) t_out.push_back(lines[5 + 8 * k + r][0]);
      std::vector<double> out(2 * n * t_out.size());
      REQUIRE(ig.solve(net, 4.0 * double(k), y, t_out, out).status == ode::solve_status::success);
      for (std::size_t r = 0; r < 8; ++r)
        for (std::size_t i = 0; i < n; ++i) {
          worst_v = std::max(worst_v, std::abs(out[2 * n * r + i] - lines[5 + 8 * k + r][1 + i]));
          worst_w =
              std::max(worst_w, std::abs(out[2 * n * r + n + i] - lines[5 + 8 * k + r][1 + n + i]));
        }
      y.assign(out.end() - 2 * n, out.end());
    }
    CHECK(worst_v < 1e-6);
    CHECK(worst_w < 1e-8);
  }
}

TEST_CASE(
    "the kinetic synapse: its Jacobian matches central differences, and alpha sets stiffness") {
  const std::size_t n = 5;
  random_net r(n, 1, 6);
  auto state = [&] {
    std::vector<double> y(r.y0);
    for (std::size_t i = 0; i < n; ++i) y.push_back(0.2 + 0.1 * double(i));  // s
    y[1] = 25;                                                               // one neuron spiking
    return y;
  }();
  auto ratio_at = [&](double alpha) {
    testing::ml_net_params p;
    p.kinetic = true;
    p.alpha = alpha;
    ml_network net(n, p);
    net.bind_recurrent(r.w_rec);
    net.set_drive(r.drives[0]);
    const std::size_t m = 3 * n;
    REQUIRE(net.size() == m);
    CHECK(jacobian_fd_error(net, state) < 1e-5);
    std::vector<double> jac(m * m, 0.0);
    net.jacobian(0, state.data(), jac.data());
    return spectral_extremes(jac, m, 200).ratio();
  };
  const double slow = ratio_at(0.5), fast = ratio_at(12);
  MESSAGE("stiffness ratio at one state: alpha 0.5 -> " << slow << ", alpha 12 -> " << fast);
  CHECK(fast > 5 * slow);
}

TEST_CASE("with the kinetic synapse, preconditioned GMRES agrees with dense LU") {
  const std::size_t n = 8;
  random_net r(n, 2, 17);
  testing::ml_net_params p;
  p.kinetic = true;
  ml_network net(n, p);
  net.bind_recurrent(r.w_rec);
  auto run = [&](ode::linear_solver ls) {
    ode::solver_options o;
    o.lmm = ode::method::bdf;  // the struct's default when this was written
    o.nls = ode::nonlinear_solver::newton;
    o.rtol = 1e-9;
    o.atol = 1e-9;
    o.ls = ls;
    ode::integrator ig(o);
    std::vector<double> y = r.y0, out(3 * n);
    y.resize(3 * n, 0.0);
    for (std::size_t k = 0; k < 2; ++k) {
      net.set_drive(r.drives[k]);
      const std::vector<double> t_out{4.0 * double(k + 1)};
      REQUIRE(ig.solve(net, 4.0 * double(k), y, t_out, out).status == ode::solve_status::success);
      y = out;
    }
    return y;
  };
  const auto dense = run(ode::linear_solver::dense), gmres = run(ode::linear_solver::gmres),
             block = run(ode::linear_solver::block);
  for (std::size_t i = 0; i < 3 * n; ++i) {
    CHECK(std::abs(dense[i] - gmres[i]) < 1e-5);
    CHECK(std::abs(dense[i] - block[i]) < 1e-5);
  }
  // The 3 x 3 blocks invert I - gamma J over (V_i, w_i, s_i).
  REQUIRE(net.precondition_setup(0, dense.data(), 0.1) == 0);
  std::vector<double> jac(9 * n * n, 0.0), rhs(3 * n), z(3 * n);
  net.jacobian(0, dense.data(), jac.data());
  for (std::size_t k = 0; k < 3 * n; ++k) rhs[k] = std::cos(double(k));
  net.precondition_solve(rhs.data(), z.data());
  const std::size_t m = 3 * n;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t a = 0; a < 3; ++a) {
      double lhs = z[a * n + i];
      for (std::size_t b = 0; b < 3; ++b)
        lhs -= 0.1 * jac[(a * n + i) + (b * n + i) * m] * z[b * n + i];
      CHECK(lhs == doctest::Approx(rhs[a * n + i]));
    }
}

TEST_CASE("the analytic Jacobian-vector product is the dense Jacobian times v") {
  const std::size_t n = 7;
  random_net r(n, 1, 21);
  for (const bool kinetic : {false, true}) {
    testing::ml_net_params p;
    p.kinetic = kinetic;
    ml_network net(n, p);
    net.bind_recurrent(r.w_rec);
    net.set_drive(r.drives[0]);
    const std::size_t m = net.size();
    const random_stream rs(21, stream::data, 2, kinetic ? 1 : 0);
    for (std::uint32_t draw = 0; draw < 5; ++draw) {
      std::vector<double> y(m), v(m), jac(m * m, 0.0), jv(m), jv2(m);
      for (std::size_t k = 0; k < m; ++k) {
        const double u = rs.uniform(draw * 1000 + k), g = rs.normal(draw * 1000 + k);
        y[k] = k < n ? -70 + 100 * u : (k < 2 * n ? u : 0.9 * u);  // V, then w and s in [0, 1)
        v[k] = g;
      }
      net.jacobian(0, y.data(), jac.data());
      REQUIRE(net.jvp(0, y.data(), v.data(), jv.data()));
      REQUIRE(net.jvp_setup(0, y.data()) == 0);
      REQUIRE(net.jvp_apply(v.data(), jv2.data()) == 0);
      for (std::size_t i = 0; i < m; ++i) {
        double ref = 0, scale = 0;
        for (std::size_t j = 0; j < m; ++j) {
          ref += jac[i + j * m] * v[j];
          scale += std::abs(jac[i + j * m] * v[j]);
        }
        CHECK(std::abs(jv[i] - ref) <= 1e-12 * scale + 1e-300);
        CHECK(jv2[i] == jv[i]);
      }
    }
  }
}

TEST_CASE("GMRES trajectories with the analytic and difference-quotient products agree") {
  const std::size_t n = 12;
  random_net r(n, 3, 23);
  for (const bool kinetic : {false, true}) {
    testing::ml_net_params p;
    p.kinetic = kinetic;
    ml_network net(n, p);
    net.bind_recurrent(r.w_rec);
    auto run = [&](bool analytic) {
      ode::solver_options o;
      o.lmm = ode::method::bdf;  // the struct's default when this was written
      o.nls = ode::nonlinear_solver::newton;
      o.rtol = 1e-8;
      o.atol = 1e-8;
      o.ls = ode::linear_solver::gmres;
      o.analytic_jacobian = analytic;
      ode::integrator ig(o);
      std::vector<double> y = r.y0, out(net.size());
      y.resize(net.size(), 0.0);
      for (std::size_t k = 0; k < 3; ++k) {
        net.set_drive(r.drives[k]);
        const std::vector<double> t_out{4.0 * double(k + 1)};
        const auto res = ig.solve(net, 4.0 * double(k), y, t_out, out);
        REQUIRE(res.status == ode::solve_status::success);
        y = out;
      }
      return y;
    };
    const auto analytic = run(true), quotient = run(false);
    for (std::size_t i = 0; i < net.size(); ++i) CHECK(std::abs(analytic[i] - quotient[i]) < 1e-5);
  }
}

TEST_CASE("a restarted solve reports its own linear-solver work") {
  const std::size_t n = 6;
  random_net r(n, 2, 29);
  ml_network net(n);
  net.bind_recurrent(r.w_rec);
  ode::solver_options o;
  o.lmm = ode::method::bdf;  // the struct's default when this was written
  o.nls = ode::nonlinear_solver::newton;
  o.ls = ode::linear_solver::gmres;
  const std::vector<double> t1{4.0}, t2{8.0};
  std::vector<double> out(2 * n);
  ode::integrator reused(o), fresh(o);
  net.set_drive(r.drives[0]);
  REQUIRE(reused.solve(net, 0, r.y0, t1, out).status == ode::solve_status::success);
  const std::vector<double> y1 = out;
  net.set_drive(r.drives[1]);
  const auto again = reused.solve(net, 4.0, y1, t2, out);
  const auto first = fresh.solve(net, 4.0, y1, t2, out);
  CHECK(again.stats.steps == first.stats.steps);
  CHECK(again.stats.lin_iters == first.stats.lin_iters);
  CHECK(first.stats.lin_iters > 0);
}
