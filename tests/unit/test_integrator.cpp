#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "esbio/ode/integrator.hpp"

using namespace esbio;
using namespace esbio::ode;

namespace {

// y' = A y with A = [[-1, 0], [0, -k]]: y(t) = (e^-t, e^-kt); stiff for large k.
struct linear_decay final : system {
  double k = 1000;
  std::size_t size() const override { return 2; }
  int rhs(double, const double* y, double* f) override {
    f[0] = -y[0];
    f[1] = -k * y[1];
    return 0;
  }
  bool jacobian(double, const double*, double* j) override {
    j[0] = -1;
    j[3] = -k;
    return true;
  }
};

// y' = y^2, y(0) = 1: y = 1/(1 - t) blows up at t = 1.
struct blow_up final : system {
  std::size_t size() const override { return 1; }
  int rhs(double, const double* y, double* f) override {
    f[0] = y[0] * y[0];
    return 0;
  }
  bool jacobian(double, const double* y, double* j) override {
    j[0] = 2 * y[0];
    return true;
  }
};

struct nan_rhs final : system {
  std::size_t size() const override { return 1; }
  int rhs(double t, const double*, double* f) override {
    f[0] = t > 0.5 ? std::numeric_limits<double>::quiet_NaN() : 1.0;
    return 0;
  }
  bool jacobian(double, const double*, double* j) override {
    j[0] = 0;
    return true;
  }
};

// 19 decaying components (two full vector lanes of eight and a tail), one of which is `bad` from
// t = from on: the integrator's finiteness check must see it wherever it sits.
struct one_bad_entry final : system {
  std::size_t where;
  double bad, from;
  one_bad_entry(std::size_t k, double value, double t0) : where(k), bad(value), from(t0) {}
  std::size_t size() const override { return 19; }
  int rhs(double t, const double* y, double* f) override {
    for (std::size_t i = 0; i < 19; ++i) f[i] = -y[i];
    if (t >= from) f[where] = bad;
    return 0;
  }
  bool jacobian(double, const double*, double* j) override {
    for (std::size_t i = 0; i < 19 * 19; ++i) j[i] = i % 20 == 0 ? -1.0 : 0.0;
    return true;
  }
};

solver_options opts(method m, nonlinear_solver n, double rtol = 1e-10, double atol = 1e-12) {
  solver_options o;
  o.lmm = m;
  o.nls = n;
  o.rtol = rtol;
  o.atol = atol;
  return o;
}

}  // namespace

TEST_CASE("BDF and Adams reproduce the analytic solution of a linear system") {
  const std::vector<double> t{0.0, 0.5, 1.0, 2.0};
  const double y0[2] = {1.0, 1.0};
  for (auto m : {method::bdf, method::adams})
    for (auto n : {nonlinear_solver::newton, nonlinear_solver::fixed_point}) {
      linear_decay sys;
      sys.k = (n == nonlinear_solver::fixed_point) ? 3.0 : 1000.0;  // fixed point: non-stiff only
      integrator ig(opts(m, n));
      std::vector<double> out(t.size() * 2);
      const auto res = ig.solve(sys, 0.0, y0, t, out);
      REQUIRE(res.status == solve_status::success);
      for (std::size_t k = 0; k < t.size(); ++k) {
        CHECK(out[2 * k] == doctest::Approx(std::exp(-t[k])).epsilon(1e-8));
        CHECK(std::abs(out[2 * k + 1] - std::exp(-sys.k * t[k])) < 1e-8);
      }
      CHECK(res.stats.steps > 0);
    }
}

TEST_CASE("a re-initialised integrator gives bit-identical results to a fresh one") {
  // Ranks evaluate members in different orders: the answer must not depend on the history of
  // the integrator that computed it.
  for (auto n : {nonlinear_solver::newton, nonlinear_solver::fixed_point}) {
    const std::vector<double> t{0.0, 0.3, 1.7};
    const double y0[2] = {1.0, 2.0}, other_y0[1] = {0.5};
    linear_decay sys;
    sys.k = 3.0;
    blow_up other;
    const std::vector<double> t_other{0.0, 0.9};
    integrator used(opts(method::bdf, n, 1e-6, 1e-8)), fresh(opts(method::bdf, n, 1e-6, 1e-8));
    std::vector<double> a(6), b(6), scratch(2);
    used.solve(sys, 0.0, y0, t, a);
    used.solve(other, 0.0, other_y0, t_other, scratch);  // different size: rebuilt
    used.solve(sys, 0.0, y0, t, a);
    const double y0b[2] = {-1.0, 0.25};
    used.solve(sys, 0.0, y0b, t, b);
    used.solve(sys, 0.0, y0, t, a);
    std::vector<double> c(6);
    fresh.solve(sys, 0.0, y0, t, c);
    CHECK(a == c);
  }
}

TEST_CASE("solver failures are statuses, with unreached outputs NaN") {
  SUBCASE("finite-time blow-up") {
    integrator ig(opts(method::bdf, nonlinear_solver::newton, 1e-6, 1e-8));
    blow_up sys;
    const double y0[1] = {1.0};
    const std::vector<double> t{0.0, 0.5, 2.0};
    std::vector<double> out(3);
    const auto res = ig.solve(sys, 0.0, y0, t, out);
    CHECK(res.status != solve_status::success);
    CHECK(out[1] == doctest::Approx(2.0).epsilon(1e-4));
    CHECK(std::isnan(out[2]));
    CHECK(res.t_reached < 1.0);
  }
  SUBCASE("step budget") {
    auto o = opts(method::bdf, nonlinear_solver::newton, 1e-10, 1e-12);
    o.max_steps_total = 5;
    integrator ig(o);
    linear_decay sys;
    const double y0[2] = {1.0, 1.0};
    const std::vector<double> t{0.1, 0.2, 10.0};
    std::vector<double> out(6);
    CHECK(ig.solve(sys, 0.0, y0, t, out).status == solve_status::too_much_work);
  }
  SUBCASE("non-finite derivatives") {
    integrator ig(opts(method::adams, nonlinear_solver::fixed_point, 1e-6, 1e-8));
    nan_rhs sys;
    const double y0[1] = {0.0};
    const std::vector<double> t{1.0};
    std::vector<double> out(1);
    const auto res = ig.solve(sys, 0.0, y0, t, out);
    CHECK(res.status != solve_status::success);
    CHECK(std::isnan(out[0]));
  }
  SUBCASE("one non-finite entry anywhere in a longer vector") {
    for (const double bad :
         {std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
          std::numeric_limits<double>::quiet_NaN()})
      for (std::size_t k = 0; k < 19; ++k) {
        CAPTURE(k);
        CAPTURE(bad);
        integrator ig(opts(method::adams, nonlinear_solver::fixed_point, 1e-6, 1e-8));
        const std::vector<double> y0(19, 1.0), t{0.25, 1.0};
        std::vector<double> out(38);
        // Bad from the start: the check's own verdict (without it CVODE fails otherwise).
        one_bad_entry at_once(k, bad, 0.0);
        CHECK(ig.solve(at_once, 0.0, y0, t, out).status == solve_status::rhs_failure);
        // Bad later: a failure, with the outputs before it intact.
        one_bad_entry later(k, bad, 0.5);
        const auto res = ig.solve(later, 0.0, y0, t, out);
        CHECK(res.status != solve_status::success);
        CHECK(out[k] == doctest::Approx(std::exp(-0.25)).epsilon(1e-4));
        CHECK(std::isnan(out[19 + k]));
      }
  }
  SUBCASE("the integrator recovers for the next solve") {
    integrator ig(opts(method::bdf, nonlinear_solver::newton, 1e-8, 1e-10));
    blow_up bad;
    const double y0[1] = {1.0};
    const std::vector<double> t{0.0, 2.0};
    std::vector<double> out(2);
    CHECK(ig.solve(bad, 0.0, y0, t, out).status != solve_status::success);
    const double y1[1] = {-1.0};  // y = -1/(1 + t): smooth
    const std::vector<double> t1{1.0};
    std::vector<double> out1(1);
    REQUIRE(ig.solve(bad, 0.0, y1, t1, out1).status == solve_status::success);
    CHECK(out1[0] == doctest::Approx(-0.5).epsilon(1e-6));
  }
}

TEST_CASE("per-component absolute tolerances must match the system") {
  auto o = opts(method::bdf, nonlinear_solver::newton);
  o.atol_per_component = {1e-8, 1e-12, 1e-6};
  integrator ig(o);
  linear_decay sys;
  const double y0[2] = {1.0, 1.0};
  const std::vector<double> t{1.0};
  std::vector<double> out(2);
  CHECK_THROWS_AS(ig.solve(sys, 0.0, y0, t, out), std::invalid_argument);
}

TEST_CASE("advance continues a solve across a mild change of input") {
  // y' = -y + u with u switching from 0 to 0.01 at t = 1: y = e^-t, then
  // 0.01 + (e^-1 - 0.01) e^-(t-1). (A large jump at tight tolerance makes CVODE fail its error
  // test repeatedly: that is what restarting is for.)
  struct driven final : system {
    double u = 0;
    std::size_t size() const override { return 1; }
    int rhs(double, const double* y, double* f) override {
      f[0] = -y[0] + u;
      return 0;
    }
    bool jacobian(double, const double*, double* j) override {
      j[0] = -1;
      return true;
    }
  } sys;
  const double exact = 0.01 + (std::exp(-1.0) - 0.01) * std::exp(-1.0);
  for (auto m : {method::bdf, method::adams}) {
    integrator ig(opts(m, nonlinear_solver::newton, 1e-8, 1e-10));
    const double y0[1] = {1.0};
    std::vector<double> first(1), second(1);
    sys.u = 0;
    const std::vector<double> t1{1.0}, t2{2.0};
    REQUIRE(ig.solve(sys, 0.0, y0, t1, first).status == solve_status::success);
    CHECK(first[0] == doctest::Approx(std::exp(-1.0)).epsilon(1e-8));
    sys.u = 0.01;
    const auto res = ig.advance(sys, t2, second);
    REQUIRE(res.status == solve_status::success);
    CHECK(res.stats.steps > 0);
    // Less accurate than the tolerance suggests: the error estimate is local, the jump is not.
    CHECK(second[0] == doctest::Approx(exact).epsilon(1e-4));
  }
}

namespace {
// The same linear system with a block-diagonal (here: exact) preconditioner: a second system of
// the same size whose linear-solver set-up differs from linear_decay's.
struct preconditioned_decay final : system {
  double k = 1000, g = 0;
  std::size_t size() const override { return 2; }
  int rhs(double, const double* y, double* f) override {
    f[0] = -y[0];
    f[1] = -k * y[1];
    return 0;
  }
  bool jacobian(double, const double*, double* j) override {
    j[0] = -1;
    j[3] = -k;
    return true;
  }
  bool has_preconditioner() const override { return true; }
  int precondition_setup(double, const double*, double gamma) override {
    g = gamma;
    return 0;
  }
  int precondition_solve(const double* r, double* z) override {
    z[0] = r[0] / (1 + g);
    z[1] = r[1] / (1 + g * k);
    return 0;
  }
};
}  // namespace

TEST_CASE(
    "one integrator, two systems of one size: each solved with its own linear-solver set-up") {
  // The set-up (GMRES with or without the system's preconditioner) used to be latched by the
  // first system of a size: the second would then be solved with the first's callbacks.
  auto o = opts(method::bdf, nonlinear_solver::newton, 1e-8, 1e-10);
  o.ls = linear_solver::gmres;
  const std::vector<double> t{0.0, 0.5, 1.0};
  const double y0[2] = {1.0, 1.0};
  preconditioned_decay with;
  linear_decay without;
  const auto fresh = [&](ode::system& s) {
    integrator ig(o);
    std::vector<double> out(6);
    REQUIRE(ig.solve(s, 0.0, y0, t, out).status == solve_status::success);
    return out;
  };
  const auto want_with = fresh(with), want_without = fresh(without);
  integrator shared(o);
  for (int round = 0; round < 2; ++round) {
    std::vector<double> a(6), b(6);
    REQUIRE(shared.solve(with, 0.0, y0, t, a).status == solve_status::success);
    REQUIRE(shared.solve(without, 0.0, y0, t, b).status == solve_status::success);
    CHECK(a == want_with);
    CHECK(b == want_without);
  }
  CHECK(std::abs(want_with[4] - std::exp(-1.0)) < 1e-6);
}
