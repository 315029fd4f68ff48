// Task D: Robertson's kinetics, the scaled MLP field and the task. Oracles: central finite
// differences, an independent SciPy Radau solve, and conservation of y1 + y2 + y3.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "esbio/core/error.hpp"
#include "esbio/core/random.hpp"
#include "esbio/dist/context.hpp"
#include "esbio/models/dense_mlp_field.hpp"
#include "esbio/models/robertson.hpp"
#include "esbio/tasks/registry.hpp"
#include "esbio/tasks/robertson_task.hpp"
#include "esbio/train/trainer.hpp"
#include "options.hpp"

using namespace esbio;

namespace {

// Central difference of g : R^n -> R^m at x along coordinate j, step rel_h relative to |x_j|.
// (1e-5 balances truncation against round-off through the 7-layer network: measured errors
// fall as h^2 down to ~1e-10 there, and grow again below it.)
template <class G>
std::vector<double> central(const G& g, std::vector<double> x, std::size_t j, std::size_t m,
                            double rel_h = 1e-6) {
  const double h = rel_h * std::max(1.0, std::abs(x[j]));
  std::vector<double> fp(m), fm(m), d(m);
  const double xj = x[j];
  x[j] = xj + h;
  g(x, fp);
  x[j] = xj - h;
  g(x, fm);
  for (std::size_t i = 0; i < m; ++i) d[i] = (fp[i] - fm[i]) / (2 * h);
  return d;
}

double rel_err(double fd, double an, double scale) {
  return std::abs(fd - an) / std::max(scale, std::abs(an));
}

models::dense_mlp_field random_field(models::activation act, std::vector<double>& p,
                                     std::uint64_t seed, std::size_t width = 5,
                                     std::size_t depth = 3) {
  models::dense_mlp_field f(3, width, depth, act, {0.7, 2e-3, 1.3});
  p.resize(f.parameter_count());
  random_stream(seed, stream::init, 0, 0).fill_normal(p);
  f.bind(p);
  return f;
}

tasks::robertson_config small_config() {
  tasks::robertson_config c;
  c.seed = 4;
  c.hidden = 5;
  c.depth = 2;
  c.solver.lmm = ode::method::bdf;
  c.solver.nls = ode::nonlinear_solver::newton;
  c.solver.rtol = 1e-6;
  c.solver.atol_per_component = {1e-9, 1e-13, 1e-9};
  return c;
}

}  // namespace

TEST_CASE("Robertson's Jacobian matches central differences along the trajectory") {
  models::robertson rober;
  for (const auto& y : {std::vector<double>{0.9, 3e-5, 0.1}, std::vector<double>{0.3, 1.6e-6, 0.7},
                        std::vector<double>{1.0, 0.0, 0.0}}) {
    double jac[9] = {};
    REQUIRE(rober.jacobian(0, y.data(), jac));
    const auto g = [&](const std::vector<double>& x, std::vector<double>& out) {
      rober.rhs(0, x.data(), out.data());
    };
    for (std::size_t j = 0; j < 3; ++j) {
      const auto fd = central(g, y, j, 3);
      for (std::size_t i = 0; i < 3; ++i) CHECK(rel_err(fd[i], jac[i + 3 * j], 1.0) < 1e-6);
    }
    double f[3];
    rober.rhs(0, y.data(), f);
    CHECK(std::abs(f[0] + f[1] + f[2]) < 1e-12);  // the rates conserve mass
  }
}

TEST_CASE("observation times are 10^linspace(-5, 5, 50)") {
  const auto t = models::log_spaced_times(50);
  REQUIRE(t.size() == 50);
  CHECK(t.front() == doctest::Approx(1e-5).epsilon(1e-15));
  CHECK(t.back() == 1e5);
  CHECK(t[1] / t[0] == doctest::Approx(std::pow(10.0, 10.0 / 49)).epsilon(1e-13));
}

TEST_CASE("the Robertson truth agrees with SciPy's Radau and conserves y1 + y2 + y3 = 1") {
  const tasks::robertson_task task(small_config());
  auto task_ev = task.make_evaluator();
  std::ifstream in(std::string(ESBIO_REGRESSION_DIR) + "/robertson_scipy.txt");
  REQUIRE(in);
  std::string line;
  int rows = 0;
  double worst = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::size_t i;
    double t, y[3];
    ls >> i >> t >> y[0] >> y[1] >> y[2];
    REQUIRE(i < task.times().size());
    // The same instants: a native build's fused multiply-adds move the log-spaced grid by a few
    // ulp from NumPy's.
    CHECK(task.times()[i] == doctest::Approx(t).epsilon(1e-13));
    for (int s = 0; s < 3; ++s) {
      // Relative per entry, y3's 1.6e-11 at the first observation included.
      const double err = std::abs(task.truth()[3 * i + s] - y[s]) / std::abs(y[s]);
      worst = std::max(worst, err);
    }
    ++rows;
  }
  CHECK(rows == 50);
  MESSAGE("largest relative deviation of esbio's BDF truth from SciPy Radau: " << worst);
  CHECK(worst < 2e-8);
  for (std::size_t i = 0; i < task.times().size(); ++i) {
    const double* y = task.truth().data() + 3 * i;
    CHECK(std::abs(y[0] + y[1] + y[2] - 1.0) < 1e-9);
  }
  CHECK(task.yscale()[1] == doctest::Approx(3.6487e-5).epsilon(1e-4));
}

TEST_CASE("the MLP field computes s o (W1 g(W0 u + b0) + b1); GELU is the exact erf form") {
  // depth 1, width 2: hand-computable.
  models::dense_mlp_field f(3, 2, 1, models::activation::gelu, {2.0, 1e-3, 0.5});
  //                         W0 (2x3)              b0         W1 (3x2)                b1
  const std::vector<double> p{1, 0, 0, 0, 1, -1, 0.0, 0.5, 1, 2, 0, -1, 3, 0, 0.1, 0.2, 0.3};
  REQUIRE(f.parameter_count() == p.size());
  f.bind(p);
  const double u[3] = {1.0, 0.25, 0.75}, gelu1 = 0.8413447460685429;  // 1 Phi(1)
  const double h1 = 0.0;  // z = 0.25 - 0.75 + 0.5 = 0, gelu(0) = 0
  double out[3];
  REQUIRE(f.rhs(0, u, out) == 0);
  CHECK(out[0] == doctest::Approx(2.0 * (gelu1 + 2 * h1 + 0.1)).epsilon(1e-15));
  CHECK(out[1] == doctest::Approx(1e-3 * (-h1 + 0.2)).epsilon(1e-15));
  CHECK(out[2] == doctest::Approx(0.5 * (3 * gelu1 + 0.3)).epsilon(1e-15));
  CHECK_THROWS_AS(f.bind(std::vector<double>(3)), std::invalid_argument);
  CHECK_THROWS_AS(models::parse_activation("relu"), input_error);
}

TEST_CASE("the MLP field's Jacobian and both VJPs match central differences") {
  for (const auto act : {models::activation::gelu, models::activation::tanh})
    for (const auto& [width, depth] : {std::pair<std::size_t, std::size_t>{5, 6}, {7, 1}, {4, 0}}) {
      const std::string act_name = models::to_string(act);
      CAPTURE(act_name);
      CAPTURE(width);
      CAPTURE(depth);
      std::vector<double> p;
      auto f = random_field(act, p, 17 + depth, width, depth);
      const std::size_t np = f.parameter_count();
      const std::vector<double> y{0.8, -0.3, 0.45}, lambda{0.6, -1.7, 0.25};
      const auto rhs_at_y = [&](const std::vector<double>& x, std::vector<double>& out) {
        f.rhs(0, x.data(), out.data());
      };
      // L(p) = lambda . f(y; p): its gradient is (df/dp)^T lambda.
      const auto lambda_f_at_p = [&](const std::vector<double>& q, std::vector<double>& out) {
        f.bind(q);
        double fy[3];
        f.rhs(0, y.data(), fy);
        out[0] = lambda[0] * fy[0] + lambda[1] * fy[1] + lambda[2] * fy[2];
        f.bind(p);
      };
      std::vector<double> jac(9, 0.0), vy(3), vp(np);
      REQUIRE(f.jacobian(0, y.data(), jac.data()));
      REQUIRE(f.vjp(0, y.data(), lambda.data(), vy.data(), vp.data()));
      double worst_j = 0, worst_vy = 0, worst_vp = 0;
      for (std::size_t j = 0; j < 3; ++j) {
        const auto fd = central(rhs_at_y, y, j, 3, 1e-5);
        double jt_lambda = 0;
        for (std::size_t i = 0; i < 3; ++i) {
          worst_j = std::max(worst_j, rel_err(fd[i], jac[i + 3 * j], 1e-3));
          jt_lambda += fd[i] * lambda[i];
        }
        worst_vy = std::max(worst_vy, rel_err(jt_lambda, vy[j], 1e-3));
      }
      for (std::size_t k = 0; k < np; ++k)
        worst_vp =
            std::max(worst_vp, rel_err(central(lambda_f_at_p, p, k, 1, 1e-5)[0], vp[k], 1e-3));
      CHECK(worst_j < 1e-6);
      CHECK(worst_vy < 1e-6);
      CHECK(worst_vp < 1e-6);
      // Either output may be skipped; what is computed does not change.
      std::vector<double> vy2(3), vp2(np);
      REQUIRE(f.vjp(0, y.data(), lambda.data(), vy2.data(), nullptr));
      REQUIRE(f.vjp(0, y.data(), lambda.data(), nullptr, vp2.data()));
      CHECK(vy2 == vy);
      CHECK(vp2 == vp);
    }
}

TEST_CASE("theta is the field's parameter span: blocks W0, b0, ..., W6, b6 of the 3-5x6-3 net") {
  auto cfg = small_config();
  cfg.depth = 6;
  const tasks::robertson_task task(cfg);
  auto task_ev = task.make_evaluator();
  const auto& layout = task.layout();
  REQUIRE(layout.blocks().size() == 14);
  CHECK(layout.size() == 188);  // 3*5+5 + 5*(5*5+5) + 5*3+3
  CHECK(layout.size() == task.field().parameter_count());
  CHECK(layout.block("W0").rows == 5);
  CHECK(layout.block("W0").cols == 3);
  CHECK(layout.block("b0").offset == 15);
  CHECK(layout.block("W6").rows == 3);
  CHECK(layout.block("b6").offset == 185);
  // Flux's Dense default: Glorot-uniform weights, zero biases; a pure function of the seed.
  const auto theta = task.initial_params();
  CHECK(theta == tasks::robertson_task(cfg).initial_params());
  for (const auto& b : layout.blocks()) {
    double biggest = 0;
    for (std::size_t k = 0; k < b.size(); ++k)
      biggest = std::max(biggest, std::abs(theta[b.offset + k]));
    if (b.name[0] == 'b') {
      CHECK(biggest == 0.0);
    } else {
      CHECK(biggest <= std::sqrt(6.0 / static_cast<double>(b.rows + b.cols)));
      CHECK(biggest > 0.4 * std::sqrt(6.0 / static_cast<double>(b.rows + b.cols)));
    }
  }
}

TEST_CASE("a zero network stands still at (1, 0, 0): the loss is the scaled drift of the truth") {
  tasks::robertson_task task(small_config());
  auto task_ev = task.make_evaluator();
  const std::vector<double> theta(task.layout().size(), 0.0);
  const auto ev = task_ev->evaluate(theta, 3);
  REQUIRE(ev.ok());
  double expect = 0;
  const auto& y = task.truth();
  for (std::size_t i = 0; i < task.times().size(); ++i)
    expect += (1.0 - y[3 * i]) / task.yscale()[0] + y[3 * i + 1] / task.yscale()[1] +
              y[3 * i + 2] / task.yscale()[2];
  expect /= 3.0 * static_cast<double>(task.times().size());
  CHECK(ev.loss == doctest::Approx(expect).epsilon(1e-9));
  CHECK(std::isnan(ev.accuracy));
  // No batches: every generation and the validation batch see the same loss.
  CHECK(task_ev->evaluate(theta, tasks::validation_generation).loss == ev.loss);
  const auto traces = task_ev->traces(theta, 0);
  REQUIRE(traces.size() == 4);
  CHECK(traces[2].name == "prediction");
  CHECK(traces[2].data[3 * 49] == doctest::Approx(1.0).epsilon(1e-12));
}

TEST_CASE("the random initial network is far from the truth, and solves") {
  tasks::robertson_task task(small_config());
  auto task_ev = task.make_evaluator();
  const auto ev = task_ev->evaluate(task.initial_params(), 0);
  REQUIRE(ev.ok());
  CHECK(ev.loss > 0.05);
  CHECK(ev.steps > 0);
}

TEST_CASE("a member that exhausts its step budget is a failure status, not an exception") {
  auto cfg = small_config();
  cfg.solver.max_steps_total = 5;
  tasks::robertson_task task(cfg);
  auto task_ev = task.make_evaluator();
  const auto ev = task_ev->evaluate(task.initial_params(), 0);
  CHECK(ev.status == eval_status::work_budget);
  CHECK(std::isnan(ev.loss));
}

TEST_CASE("robertson settings: keys, per-component tolerances, and one-line input errors") {
  const auto cfg = cli::to_run_config(
      cli::resolve_settings("[task]\nname = robertson\nhidden = 5\ndepth = 6\nactivation = tanh\n"
                            "[ode]\natol_per_component = 1e-6, 1e-10,1e-6\n",
                            "x.ini", {}));
  const auto rc = tasks::robertson_config::schema().read(cfg.values);
  CHECK(rc.depth == 6);
  CHECK(rc.activation == models::activation::tanh);
  CHECK(rc.solver.atol_per_component == std::vector<double>{1e-6, 1e-10, 1e-6});
  CHECK(rc.truth_atol_species == std::vector<double>{1e-20, 1e-24, 1e-24});
  CHECK(cfg.text.find("ode.atol_per_component = 1e-06,1e-10,1e-06\n") != std::string::npos);
  CHECK(tasks::make_task(cfg.task, cfg.values, cfg.seed)->name() == "robertson");
  const auto bad = [](std::vector<std::string> args) {
    args.insert(args.begin(), {"--task.name", "robertson"});
    return cli::to_run_config(cli::resolve_settings("", "", args));
  };
  CHECK(bad({}).values.at("ode.atol_per_component") == "none");
  for (const char* list : {"1e-6,,1e-6", "1e-6,x", "0,1,1", "1e-6,", ""})
    CHECK_THROWS_WITH_AS(bad({"--ode.atol_per_component", list}),
                         doctest::Contains("is not a comma-separated list of positive numbers"),
                         input_error);
  CHECK_THROWS_WITH_AS(bad({"--task.activation", "relu"}),
                       "task.activation = 'relu' is not one of: gelu, tanh", input_error);
  auto c = small_config();
  c.solver.atol_per_component = {1e-6, 1e-6};
  CHECK_THROWS_WITH_AS(
      tasks::robertson_task{c},
      "ode.atol_per_component needs 3 values for task robertson (one per state), got 2",
      input_error);
  c = small_config();
  c.truth_atol_species = {1e-20};
  CHECK_THROWS_AS(tasks::robertson_task{c}, input_error);
}

TEST_CASE("ES lowers the scaled MAE well below its initial value (data/ci/robertson_small.ini)") {
  const std::string ini = cli::read_config_text(std::string(ESBIO_REGRESSION_DIR) +
                                                "/../../data/ci/robertson_small.ini");
  const auto cfg = cli::to_run_config(cli::resolve_settings(ini, "robertson_small.ini", {}));
  REQUIRE(cfg.task == "robertson");
  auto task = tasks::make_task(cfg.task, cfg.values, cfg.seed);
  auto ctx = dist::make_local_context();
  train::trainer tr(cfg, *task, *ctx);
  auto st = tr.initial_state();
  const double initial = task->make_evaluator()->evaluate(st.theta, 0).loss;
  REQUIRE(tr.run(st, nullptr, {}, nullptr) == train::outcome::finished);
  REQUIRE(st.history.size() == cfg.generations);
  double last = 0;
  for (std::size_t g = st.history.size() - 10; g < st.history.size(); ++g)
    last += st.history[g].loss / 10;
  MESSAGE("robertson scaled MAE: initial " << initial << ", mean of the last 10 generations "
                                           << last);
  // Measured 0.48-0.51 x initial at seeds 0, 2, 3, 7 and 0.48 at the config's seed 1. Not 0.5:
  // about 0.14 of the loss is y2, whose early rise needs rates this small network cannot produce,
  // so no run of any length gets far below 0.45 x initial.
  CHECK(last < 0.6 * initial);
  for (const auto& row : st.history) CHECK(row.failures == 0);
}

TEST_CASE("the Robertson adjoint gradient matches central differences of the scaled MAE") {
  auto cfg = small_config();
  cfg.solver.rtol = 1e-10;
  cfg.solver.atol_per_component = {1e-13, 1e-17, 1e-13};
  // lambda and the gradient are O(1e-3): a state-sized absolute tolerance (the scalar atol, 1e-8)
  // cost them 3e-4 relative accuracy; this one gives 1e-6.
  cfg.solver.adjoint_atol = 1e-14;
  tasks::robertson_task task(cfg);
  auto task_ev = task.make_evaluator();
  auto theta = task.initial_params();
  // Non-zero biases too, so every block matters.
  for (std::size_t k = 0; k < theta.size(); ++k)
    theta[k] += 0.05 * std::sin(3.0 * static_cast<double>(k));
  std::vector<double> grad(theta.size());
  const auto ev = task_ev->gradient(theta, 0, grad);
  REQUIRE(ev.ok());
  CHECK(ev.loss == doctest::Approx(task_ev->evaluate(theta, 0).loss).epsilon(1e-9));
  for (std::size_t k = 0; k < theta.size(); k += 3) {
    auto up = theta, down = theta;
    const double h = 1e-6;
    up[k] += h;
    down[k] -= h;
    const double fd = (task_ev->evaluate(up, 0).loss - task_ev->evaluate(down, 0).loss) / (2 * h);
    CAPTURE(k);
    CHECK(grad[k] == doctest::Approx(fd).epsilon(1e-5).scale(1e-8));
  }
}
