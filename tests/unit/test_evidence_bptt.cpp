// BPTT through the paper's fixed-step scheme (task B) against central finite differences of the
// loss that evaluate() computes, on a small instance.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "esbio/core/error.hpp"
#include "esbio/core/random.hpp"
#include "esbio/tasks/evidence_task.hpp"
#include "ml_test_network.hpp"

using namespace esbio;

namespace {

tasks::evidence_config tiny() {
  tasks::evidence_config c;
  c.seed = 8;
  c.neurons = 6;
  c.trials = 3;
  c.token_ms = 0.6;    // 6 steps a token, 300 in all
  c.readout_ms = 1.5;  // 15 steps: the window spans the last three tokens
  // The solver this test was written with, the struct's default then.
  c.solver.lmm = ode::method::bdf;
  c.solver.nls = ode::nonlinear_solver::newton;
  return c;
}

std::vector<double> uniform(std::size_t n, double lo, double hi, std::uint32_t k) {
  std::vector<double> x(n);
  random_stream(29, stream::data, 3, k).fill_uniform(x, lo, hi);
  return x;
}

double central(tasks::evidence_evaluator& task, std::vector<double> theta,
               const std::vector<double>& dir, double h, std::uint32_t gen) {
  auto up = theta, down = theta;
  for (std::size_t k = 0; k < theta.size(); ++k) {
    up[k] += h * dir[k];
    down[k] -= h * dir[k];
  }
  const auto a = task.evaluate(up, gen, 0), b = task.evaluate(down, gen, 0);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  return (a.loss - b.loss) / (2 * h);
}

}  // namespace

TEST_CASE("one reversed step of the fixed scheme matches central differences") {
  const std::size_t n = 5, trials = 3, total = n * trials;
  testing::ml_network net(n);
  auto w_rec = uniform(n * n, -0.5, 0.5, 0);
  net.bind_recurrent(w_rec);
  auto v = uniform(total, -60, 20, 1), w = uniform(total, 0, 0.5, 2), t = uniform(total, 0, 1, 3),
       drive = uniform(total, -0.2, 0.6, 4);
  const auto mu_v = uniform(total, -1, 1, 5), mu_w = uniform(total, -1, 1, 6),
             mu_t = uniform(total, -1, 1, 7);
  const double dt = 0.1;
  // L = mu . step(state): a random linear functional of the new state.
  const auto loss = [&] {
    net.bind_recurrent(w_rec);  // the scheme reads W_rec as bound
    auto v1 = v, w1 = w, t1 = t;
    net.semi_implicit_steps(trials, v1, w1, t1, drive, dt);
    double s = 0;
    for (std::size_t k = 0; k < total; ++k)
      s += mu_v[k] * v1[k] + mu_w[k] * w1[k] + mu_t[k] * t1[k];
    return s;
  };
  auto v1 = v, w1 = w, t1 = t;
  net.semi_implicit_steps(trials, v1, w1, t1, drive, dt);
  auto lv = mu_v, lw = mu_w, lt = mu_t;
  std::vector<double> gd(total, 0.0), gw(n * n, 0.0);
  net.semi_implicit_steps_vjp(trials, v, w, t, v1, w1, t1, dt, lv, lw, lt, gd, gw);
  const auto check = [&](std::vector<double>& x, const std::vector<double>& g, double h) {
    for (std::size_t k = 0; k < x.size(); ++k) {
      const double keep = x[k];
      x[k] = keep + h;
      const double up = loss();
      x[k] = keep - h;
      const double down = loss();
      x[k] = keep;
      CHECK(g[k] == doctest::Approx((up - down) / (2 * h)).epsilon(1e-7).scale(1e-9));
    }
  };
  // Steps where truncation and rounding errors of the differences are both below 1e-8.
  check(v, lv, 1e-3);
  check(w, lw, 1e-4);
  check(t, lt, 1e-3);
  check(drive, gd, 1e-3);
  check(w_rec, gw, 1e-3);
}

TEST_CASE("BPTT through the fixed scheme: the exact gradient of the task B loss") {
  auto cfg = tiny();
  tasks::evidence_task task(cfg);
  tasks::evidence_evaluator task_ev(task);
  REQUIRE(task.has_gradient());
  auto theta = task.initial_params();
  // Stronger coupling than the initialisation, so W_rec matters to the loss.
  const auto& rec = task.layout().block("W_rec");
  for (std::size_t k = 0; k < rec.size(); ++k) theta[rec.offset + k] *= 3;
  const std::uint32_t gen = 2;
  std::vector<double> grad(theta.size(), 0.0);
  const auto ev = task_ev.gradient(theta, gen, grad);
  REQUIRE(ev.ok());
  const auto ref = task_ev.evaluate(theta, gen, 0);
  CHECK(ev.loss == ref.loss);  // the same forward, bit for bit
  CHECK(ev.accuracy == ref.accuracy);

  SUBCASE("the readout part is the exact readout gradient") {
    std::vector<double> exact(theta.size(), 0.0);
    REQUIRE(task_ev.exact_gradient(theta, gen, exact));
    for (const char* name : {"W_ro", "b_ro"}) {
      const auto& b = task.layout().block(name);
      for (std::size_t k = b.offset; k < b.offset + b.size(); ++k)
        CHECK(grad[k] == doctest::Approx(exact[k]).epsilon(1e-13).scale(1e-15));
    }
  }

  // Steps chosen from a scan of h in 1e-3..1e-6: the relative errors there were at most 1e-9
  // (directions, h = 1e-5) and 5e-8 (coordinates, h = 1e-4); the tolerance leaves a margin.
  SUBCASE("random directions") {
    for (std::uint32_t d = 0; d < 4; ++d) {
      const auto dir = uniform(theta.size(), -1, 1, 100 + d);
      double dd = 0;
      for (std::size_t k = 0; k < theta.size(); ++k) dd += grad[k] * dir[k];
      CHECK(dd == doctest::Approx(central(task_ev, theta, dir, 1e-5, gen)).epsilon(1e-6));
    }
  }

  SUBCASE("individual coordinates of every block") {
    for (const char* name : {"W_inp", "W_rec", "W_ro", "b_ro"}) {
      const auto& b = task.layout().block(name);
      for (std::size_t k : {std::size_t{0}, b.size() / 2, b.size() - 1, b.size() / 3 + 1}) {
        CAPTURE(name);
        CAPTURE(k);
        std::vector<double> e(theta.size(), 0.0);
        e[b.offset + k] = 1;
        const double fd = central(task_ev, theta, e, 1e-4, gen);
        CHECK(grad[b.offset + k] == doctest::Approx(fd).epsilon(1e-6).scale(1e-9));
      }
    }
  }
}

TEST_CASE("BPTT in float32 runs and follows the float64 gradient") {
  // Finite differences check the float64 gradient above; float32 is compared with it.
  auto cfg = tiny();
  tasks::evidence_task t64(cfg);
  cfg.precision = tasks::evidence_precision::float32;
  tasks::evidence_task t32(cfg);
  tasks::evidence_evaluator e64(t64), e32(t32);
  auto theta = t64.initial_params();
  const auto& rec = t64.layout().block("W_rec");
  for (std::size_t k = 0; k < rec.size(); ++k) theta[rec.offset + k] *= 3;
  std::vector<double> g64(theta.size()), g32(theta.size());
  const auto a = e64.gradient(theta, 2, g64), b = e32.gradient(theta, 2, g32);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(b.loss == e32.evaluate(theta, 2, 0).loss);  // the float32 forward, bit for bit
  CHECK(b.loss == doctest::Approx(a.loss).epsilon(1e-5));
  double dot = 0, n64 = 0, diff = 0;
  for (std::size_t k = 0; k < theta.size(); ++k) {
    dot += g64[k] * g32[k];
    n64 += g64[k] * g64[k];
    diff += (g64[k] - g32[k]) * (g64[k] - g32[k]);
  }
  MESSAGE("|g32 - g64| / |g64| = " << std::sqrt(diff / n64));
  CHECK(std::sqrt(diff / n64) < 1e-3);
}

TEST_CASE("the continuous adjoint of task B (BDF path) matches central differences") {
  for (const bool kinetic : {false, true}) {
    CAPTURE(kinetic);
    auto cfg = tiny();
    cfg.integrator = tasks::evidence_integrator::bdf;
    cfg.network.kinetic = kinetic;
    // Kinetic: GMRES with the transposed block preconditioner on the backward problem.
    if (kinetic) cfg.solver.ls = ode::linear_solver::gmres;
    cfg.solver.lmm = ode::method::bdf;
    cfg.solver.rtol = 1e-10;
    cfg.solver.atol = 1e-10;
    tasks::evidence_task task(cfg);
    tasks::evidence_evaluator task_ev(task);
    REQUIRE(task.has_gradient());
    auto theta = task.initial_params();
    const auto& rec = task.layout().block("W_rec");
    for (std::size_t k = 0; k < rec.size(); ++k) theta[rec.offset + k] *= 3;
    const std::uint32_t gen = 2;
    std::vector<double> grad(theta.size(), 0.0), exact(theta.size(), 0.0);
    const auto ev = task_ev.gradient(theta, gen, grad);
    CAPTURE(ev.status);
    CAPTURE(ev.detail);
    REQUIRE(ev.ok());
    CHECK(ev.loss == doctest::Approx(task_ev.evaluate(theta, gen, 0).loss).epsilon(1e-12));
    REQUIRE(task_ev.exact_gradient(theta, gen, exact));
    const auto& ro = task.layout().block("W_ro");
    for (std::size_t k = ro.offset; k < ro.offset + ro.size(); ++k)
      CHECK(grad[k] == doctest::Approx(exact[k]).epsilon(1e-12).scale(1e-14));
    // Random directions: the variable-step solves make the loss noisy at ~1e-10, so the
    // differences are only good to ~1e-5 at h = 1e-4.
    for (std::uint32_t d = 0; d < 3; ++d) {
      const auto dir = uniform(theta.size(), -1, 1, 200 + d);
      double dd = 0;
      for (std::size_t k = 0; k < theta.size(); ++k) dd += grad[k] * dir[k];
      CHECK(dd == doctest::Approx(central(task_ev, theta, dir, 1e-4, gen)).epsilon(1e-4));
    }
    for (const char* name : {"W_inp", "W_rec"}) {
      const auto& b = task.layout().block(name);
      for (std::size_t k : {std::size_t{0}, b.size() / 2, b.size() - 1}) {
        CAPTURE(name);
        CAPTURE(k);
        std::vector<double> e(theta.size(), 0.0);
        e[b.offset + k] = 1;
        CHECK(grad[b.offset + k] ==
              doctest::Approx(central(task_ev, theta, e, 1e-4, gen)).epsilon(1e-4).scale(1e-7));
      }
    }
  }
}
