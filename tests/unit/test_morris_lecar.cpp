#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "esbio/models/single_neuron.hpp"
#include "esbio/models/spike_indicator.hpp"
#include "esbio/ode/integrator.hpp"
#include "ml_formulas.hpp"

using namespace esbio;
using models::morris_lecar;
using ml_neuron = models::single_neuron<morris_lecar>;

namespace {

// Golden-section maximisation on [a, b].
double argmax(const std::function<double(double)>& f, double a, double b) {
  const double r = (std::sqrt(5.0) - 1) / 2;
  double c = b - r * (b - a), d = a + r * (b - a);
  for (int i = 0; i < 200; ++i) {
    if (f(c) > f(d))
      b = d;
    else
      a = c;
    c = b - r * (b - a);
    d = a + r * (b - a);
  }
  return 0.5 * (a + b);
}

double bisect(const std::function<double(double)>& f, double a, double b) {
  REQUIRE(f(a) * f(b) < 0);
  for (int i = 0; i < 200; ++i) {
    const double m = 0.5 * (a + b);
    if ((f(m) < 0) == (f(a) < 0))
      a = m;
    else
      b = m;
  }
  return 0.5 * (a + b);
}

// Upward crossings of 0 mV in [t_from, t_to] for a constant current, from (v0, w0).
int spikes(const morris_lecar::params& p, double current, double v0, double w0, double t_from,
           double t_to) {
  ml_neuron n(p, current);
  ode::solver_options o;
  o.lmm = ode::method::bdf;  // the struct's default when this was written
  o.nls = ode::nonlinear_solver::newton;
  o.rtol = 1e-9;
  o.atol = 1e-9;
  ode::integrator ig(o);
  std::vector<double> t;
  for (double s = 0; s <= t_to; s += 0.25) t.push_back(s);
  std::vector<double> out(2 * t.size());
  const double y0[2] = {v0, w0};
  REQUIRE(ig.solve(n, 0, y0, t, out).status == ode::solve_status::success);
  int count = 0;
  for (std::size_t k = 1; k < t.size(); ++k)
    if (t[k] >= t_from && out[2 * (k - 1)] < 0 && out[2 * k] >= 0) ++count;
  return count;
}

}  // namespace

TEST_CASE("the Morris-Lecar Jacobian matches central differences") {
  for (const auto& base : {morris_lecar::params::snic(), morris_lecar::params::hopf()})
    for (double c : {20.0, 1.0})
      for (const auto& y : {std::vector<double>{-40, 0.1}, std::vector<double>{-5, 0.3},
                            std::vector<double>{30, 0.6}}) {
        auto p = base;
        p.C = c;
        ml_neuron n(p, 45.0);
        double jac[4], fp[2], fm[2];
        n.jacobian(0, y.data(), jac);
        for (int j = 0; j < 2; ++j) {
          const double h = j == 0 ? 1e-5 : 1e-7;
          auto yp = y, ym = y;
          yp[j] += h;
          ym[j] -= h;
          n.rhs(0, yp.data(), fp);
          n.rhs(0, ym.data(), fm);
          for (int i = 0; i < 2; ++i)
            CHECK(jac[i + 2 * j] ==
                  doctest::Approx((fp[i] - fm[i]) / (2 * h)).epsilon(1e-6).scale(1e-6));
        }
      }
}

TEST_CASE("saddle-node on invariant circle at I = 39.96 with V4 = 17.4") {
  // On the equilibrium curve w = w_inf(V) the steady current is the ionic current; the rest
  // state disappears at its local maximum (the knee).
  auto p = morris_lecar::params::snic();
  p.V4 = 17.4;
  const auto iss = [&](double v) {
    return ml_formulas::ionic_current(p, v, ml_formulas::w_inf(p, v));
  };
  const double knee = iss(argmax(iss, -40, -20));
  CHECK(knee == doctest::Approx(39.96).epsilon(2e-4));
  // Dynamics agree: rest just below the knee, repetitive firing just above.
  const double v_rest = -30, w_rest = ml_formulas::w_inf(p, -30);
  CHECK(spikes(p, 39.5, v_rest, w_rest, 500, 3000) == 0);
  CHECK(spikes(p, 40.5, v_rest, w_rest, 500, 3000) >= 3);
}

TEST_CASE("Hopf bifurcation at I = 93.86 with the Hopf parameter set") {
  const auto p = morris_lecar::params::hopf();
  ml_neuron n(p);
  const auto trace = [&](double v) {
    double jac[4];
    const double y[2] = {v, ml_formulas::w_inf(p, v)};
    n.jacobian(0, y, jac);
    return jac[0] + jac[3];
  };
  const double v_h = bisect(trace, -30, -20);
  CHECK(ml_formulas::ionic_current(p, v_h, ml_formulas::w_inf(p, v_h)) ==
        doctest::Approx(93.86).epsilon(2e-4));
  double jac[4];
  const double y[2] = {v_h, ml_formulas::w_inf(p, v_h)};
  n.jacobian(0, y, jac);
  CHECK(jac[0] * jac[3] - jac[1] * jac[2] > 0);  // complex pair crossing: a Hopf point
  // From a small perturbation of the equilibrium: rest below, oscillation above.
  const auto v_at = [&](double i) {
    return bisect(
        [&](double v) { return ml_formulas::ionic_current(p, v, ml_formulas::w_inf(p, v)) - i; },
        -60, 0);
  };
  const double v90 = v_at(90), v97 = v_at(97);
  CHECK(spikes(p, 90, v90 + 0.5, ml_formulas::w_inf(p, v90), 500, 3000) == 0);
  CHECK(spikes(p, 97, v97 + 0.5, ml_formulas::w_inf(p, v97), 500, 3000) >= 3);
}

TEST_CASE("the spike indicator saturates without overflow") {
  CHECK(models::spike_indicator(-1000, 20, 100) == 0.0);
  CHECK(models::spike_indicator(1000, 20, 100) == 1.0);
  CHECK(models::spike_indicator(20, 20, 100) == 0.5);
  CHECK(models::spike_indicator(20.01, 20, 100) == doctest::Approx(1 / (1 + std::exp(-1.0))));
}
