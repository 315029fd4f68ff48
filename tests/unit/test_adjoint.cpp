#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "esbio/ode/integrator.hpp"

using namespace esbio;
using namespace esbio::ode;

namespace {

// y' = -p y: y(t) = y0 e^{-p t}, so for L = sum_k c_k y(t_k)
//   dL/dy0 = sum_k c_k e^{-p t_k},   dL/dp = -sum_k c_k t_k y0 e^{-p t_k}.
struct decay final : system {
  double p = 0.7;
  std::size_t size() const override { return 1; }
  int rhs(double, const double* y, double* f) override {
    f[0] = -p * y[0];
    return 0;
  }
  bool jacobian(double, const double*, double* j) override {
    j[0] = -p;
    return true;
  }
  std::size_t parameter_count() const override { return 1; }
  bool vjp(double, const double* y, const double* l, double* out_y, double* out_p) override {
    if (out_y) out_y[0] = -p * l[0];
    if (out_p) out_p[0] = -y[0] * l[0];
    return true;
  }
};

// Lotka-Volterra, p = (a, b, c, d): x' = a x - b x y, y' = c x y - d y.
struct predator_prey final : system {
  double p[4] = {1.1, 0.4, 0.1, 0.4};
  std::size_t size() const override { return 2; }
  int rhs(double, const double* y, double* f) override {
    f[0] = p[0] * y[0] - p[1] * y[0] * y[1];
    f[1] = p[2] * y[0] * y[1] - p[3] * y[1];
    return 0;
  }
  bool jacobian(double, const double* y, double* j) override {
    j[0] = p[0] - p[1] * y[1];  // column-major: j[i + 2 k] = df_i/dy_k
    j[1] = p[2] * y[1];
    j[2] = -p[1] * y[0];
    j[3] = p[2] * y[0] - p[3];
    return true;
  }
  std::size_t parameter_count() const override { return 4; }
  bool vjp(double, const double* y, const double* l, double* out_y, double* out_p) override {
    if (out_y) {
      out_y[0] = (p[0] - p[1] * y[1]) * l[0] + p[2] * y[1] * l[1];
      out_y[1] = -p[1] * y[0] * l[0] + (p[2] * y[0] - p[3]) * l[1];
    }
    if (out_p) {
      out_p[0] = y[0] * l[0];
      out_p[1] = -y[0] * y[1] * l[0];
      out_p[2] = y[0] * y[1] * l[1];
      out_p[3] = -y[1] * l[1];
    }
    return true;
  }
};

solver_options configured(method m, nonlinear_solver nls, linear_solver ls, double tol) {
  solver_options o;
  o.lmm = m;
  o.nls = nls;
  o.ls = ls;
  o.rtol = tol;
  o.atol = tol * 1e-2;
  return o;
}

// Loss of the predator-prey outputs: sum_k (x_k - 1)^2 + x_k y_k, and its dL/dy_k.
double prey_loss(const std::vector<double>& out, std::vector<double>* grad) {
  double loss = 0;
  if (grad) grad->assign(out.size(), 0.0);
  for (std::size_t k = 0; k < out.size() / 2; ++k) {
    const double x = out[2 * k], y = out[2 * k + 1];
    loss += (x - 1) * (x - 1) + x * y;
    if (grad) {
      (*grad)[2 * k] = 2 * (x - 1) + y;
      (*grad)[2 * k + 1] = x;
    }
  }
  return loss;
}

}  // namespace

TEST_CASE("the adjoint reproduces the analytic gradient of a decay, for every solver family") {
  const std::vector<double> t_out{0.0, 0.5, 1.3, 2.0, 4.0};
  const std::vector<double> c{0.3, 1.0, -2.0, 0.5, 1.5};
  const double y0 = 1.7;
  for (auto o :
       {configured(method::bdf, nonlinear_solver::newton, linear_solver::dense, 1e-10),
        configured(method::bdf, nonlinear_solver::newton, linear_solver::gmres, 1e-10),
        configured(method::adams, nonlinear_solver::fixed_point, linear_solver::dense, 1e-10)}) {
    decay sys;
    integrator solver(o);
    std::vector<double> out(t_out.size());
    REQUIRE(solver.forward(sys, 0.0, std::vector<double>{y0}, t_out, out).status ==
            solve_status::success);
    std::vector<double> dl_dy0(1), dl_dp(1, 0.0);
    REQUIRE(solver.backward(sys, c, dl_dy0, dl_dp).status == solve_status::success);
    double g_y0 = 0, g_p = 0;
    for (std::size_t k = 0; k < t_out.size(); ++k) {
      g_y0 += c[k] * std::exp(-sys.p * t_out[k]);
      g_p -= c[k] * t_out[k] * y0 * std::exp(-sys.p * t_out[k]);
    }
    CHECK(dl_dy0[0] == doctest::Approx(g_y0).epsilon(1e-7));
    CHECK(dl_dp[0] == doctest::Approx(g_p).epsilon(1e-7));
  }
}

TEST_CASE("the adjoint gradient of a nonlinear system matches central finite differences") {
  const std::vector<double> t_out{0.5, 1.0, 2.5, 4.0, 6.0, 10.0};
  const std::vector<double> y0{2.0, 1.0};
  for (auto ls : {linear_solver::dense, linear_solver::gmres}) {
    const auto o = configured(method::bdf, nonlinear_solver::newton, ls, 1e-11);
    predator_prey sys;
    integrator solver(o);
    std::vector<double> out(t_out.size() * 2), dl_dy;
    REQUIRE(solver.forward(sys, 0.0, y0, t_out, out).status == solve_status::success);
    prey_loss(out, &dl_dy);
    std::vector<double> g_y0(2), g_p(4, 0.0);
    REQUIRE(solver.backward(sys, dl_dy, g_y0, g_p).status == solve_status::success);

    const auto loss_at = [&](predator_prey& s, const std::vector<double>& start) {
      integrator fresh(o);
      std::vector<double> o2(t_out.size() * 2);
      REQUIRE(fresh.solve(s, 0.0, start, t_out, o2).status == solve_status::success);
      return prey_loss(o2, nullptr);
    };
    const double h = 1e-5;
    for (int i = 0; i < 4; ++i) {
      predator_prey plus = sys, minus = sys;
      plus.p[i] += h;
      minus.p[i] -= h;
      const double fd = (loss_at(plus, y0) - loss_at(minus, y0)) / (2 * h);
      CHECK(g_p[static_cast<std::size_t>(i)] == doctest::Approx(fd).epsilon(1e-5));
    }
    for (std::size_t i = 0; i < 2; ++i) {
      auto plus = y0, minus = y0;
      plus[i] += h;
      minus[i] -= h;
      const double fd = (loss_at(sys, plus) - loss_at(sys, minus)) / (2 * h);
      CHECK(g_y0[i] == doctest::Approx(fd).epsilon(1e-5));
    }
  }
}

TEST_CASE("repeated forward/backward passes on one integrator equal a fresh integrator's") {
  const std::vector<double> t_out{1.0, 3.0, 5.0};
  const auto o = configured(method::bdf, nonlinear_solver::newton, linear_solver::dense, 1e-8);
  predator_prey sys;
  integrator reused(o);
  std::vector<double> out(6), dl_dy, g_y0(2), g_p(4, 0.0);
  // A plain solve and a gradient at another start state first, to dirty every buffer.
  reused.solve(sys, 0.0, std::vector<double>{1.0, 3.0}, t_out, out);
  reused.forward(sys, 0.0, std::vector<double>{0.5, 0.5}, t_out, out);
  prey_loss(out, &dl_dy);
  reused.backward(sys, dl_dy, g_y0, g_p);

  const auto gradient = [&](integrator& s) {
    std::vector<double> o2(6), d, gy(2), gp(4, 0.0);
    REQUIRE(s.forward(sys, 0.0, std::vector<double>{2.0, 1.0}, t_out, o2).status ==
            solve_status::success);
    prey_loss(o2, &d);
    REQUIRE(s.backward(sys, d, gy, gp).status == solve_status::success);
    gp.insert(gp.end(), gy.begin(), gy.end());
    return gp;
  };
  integrator fresh(o);
  const auto gr = gradient(reused), gf = gradient(fresh);
  CHECK(gr == gf);
  // A plain solve still works after an adjoint pass.
  std::vector<double> a(6), b(6);
  reused.solve(sys, 0.0, std::vector<double>{2.0, 1.0}, t_out, a);
  integrator(o).solve(sys, 0.0, std::vector<double>{2.0, 1.0}, t_out, b);
  CHECK(a == b);
}

TEST_CASE("backward without a successful forward is a programming error") {
  predator_prey sys;
  integrator solver;
  std::vector<double> d(2), gy(2), gp(4);
  CHECK_THROWS_AS(solver.backward(sys, d, gy, gp), std::logic_error);
}
