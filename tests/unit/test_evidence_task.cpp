#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "esbio/core/error.hpp"
#include "esbio/dist/context.hpp"
#include "esbio/tasks/evidence_task.hpp"
#include "esbio/tasks/registry.hpp"
#include "esbio/train/trainer.hpp"

using namespace esbio;

namespace {

tasks::evidence_config small(std::size_t neurons = 12, std::size_t trials = 6) {
  tasks::evidence_config c;
  c.seed = 21;
  c.neurons = neurons;
  c.trials = trials;
  // The solver this test was written with, the struct's default then.
  c.solver.lmm = ode::method::bdf;
  c.solver.nls = ode::nonlinear_solver::newton;
  return c;
}

}  // namespace

TEST_CASE("with a zero readout every logit is 0: loss ln 3, accuracy = share of label 0") {
  tasks::evidence_task task(small());
  tasks::evidence_evaluator task_ev(task);
  auto theta = task.initial_params();
  const auto& ro = task.layout().block("W_ro");
  const auto& b = task.layout().block("b_ro");
  std::fill(theta.begin() + ro.offset, theta.begin() + ro.offset + ro.size(), 0.0);
  std::fill(theta.begin() + b.offset, theta.begin() + b.offset + b.size(), 0.0);
  const auto ev = task_ev.evaluate(theta, 4, 0);
  REQUIRE(ev.ok());
  CHECK(ev.loss == doctest::Approx(std::log(3.0)).epsilon(1e-14));
  double zeros = 0;
  for (const auto& t : task.batch(4)) zeros += t.label == 0;
  CHECK(ev.accuracy == zeros / 6);  // ties go to the first class
}

TEST_CASE(
    "the validation set has task.validation_trials trials; its accuracy reaches the history") {
  auto cfg = small();
  cfg.validation_trials = 7;
  tasks::evidence_task task(cfg);
  CHECK(task.batch(4).size() == 6);
  const auto held_out = task.batch(tasks::validation_generation);
  REQUIRE(held_out.size() == 7);
  // With a zero readout the accuracy is the share of label 0 (ties go to the first class).
  tasks::evidence_evaluator task_ev(task);
  auto theta = task.initial_params();
  for (const char* name : {"W_ro", "b_ro"}) {
    const auto& blk = task.layout().block(name);
    std::fill(theta.begin() + blk.offset, theta.begin() + blk.offset + blk.size(), 0.0);
  }
  double zeros = 0;
  for (const auto& t : held_out) zeros += t.label == 0;
  const auto ev = task_ev.evaluate(theta, tasks::validation_generation, 0);
  REQUIRE(ev.ok());
  CHECK(ev.accuracy == zeros / 7);
  // A short run writes the centre's held-out accuracy and loss every generation.
  train::run_config r;
  r.seed = cfg.seed;
  r.generations = 2;
  r.es.seed = r.seed;
  r.es.population = 6;
  // The settings this was written with, the structs' defaults then.
  r.es.sigma = 0.1;
  r.es.baseline = es::baseline_kind::none;
  r.optim.lr = 1e-3;
  auto ctx = dist::make_local_context();
  train::trainer tr(r, task, *ctx);
  auto st = tr.initial_state();
  const auto centre =
      tasks::evidence_evaluator(task).evaluate(st.theta, tasks::validation_generation, 0);
  tr.run(st, nullptr, {}, nullptr);
  // The trainer evaluates the 7 held-out trials in validation_parts(1) = 2 items (about a
  // member's 6 trials each) and adds them, so the sums are regrouped: equal to rounding.
  CHECK(st.history[0].validation_accuracy == doctest::Approx(centre.accuracy).epsilon(1e-13));
  CHECK(st.history[0].validation_loss == doctest::Approx(centre.loss).epsilon(1e-13));
  const double correct = st.history[1].validation_accuracy * 7;
  CHECK(std::abs(correct - std::round(correct)) < 1e-12);
}

TEST_CASE("readout features are mean outputs in (0, 1) and the logits are affine in them") {
  tasks::evidence_task task(small());
  tasks::evidence_evaluator task_ev(task);
  const auto theta = task.initial_params();
  std::vector<double> f;
  REQUIRE(task_ev.features(theta, tasks::work_item{2, 3}, f));
  REQUIRE(f.size() == 6 * 12);
  for (double x : f) {
    CHECK(x > 0);
    CHECK(x < 1);
  }
  // Shifting b_ro by the same constant for every class changes no logit difference.
  auto shifted = theta;
  const auto& b = task.layout().block("b_ro");
  for (std::size_t c = 0; c < 3; ++c) shifted[b.offset + c] += 5.0;
  CHECK(task_ev.evaluate(shifted, 2, 3).loss ==
        doctest::Approx(task_ev.evaluate(theta, 2, 3).loss));
}

TEST_CASE("initial voltages: fresh per member, shared with common noise") {
  auto cfg = small();
  tasks::evidence_task fresh(cfg);
  tasks::evidence_evaluator fresh_ev(fresh);
  const auto theta = fresh.initial_params();
  const double a = fresh_ev.evaluate(theta, 1, 1).loss, b = fresh_ev.evaluate(theta, 1, 2).loss;
  CHECK(a != b);
  CHECK(fresh_ev.evaluate(theta, 1, 1).loss == a);  // a pure function of its inputs
  cfg.common_noise = true;
  tasks::evidence_task common(cfg);
  tasks::evidence_evaluator common_ev(common);
  CHECK(common_ev.evaluate(theta, 1, 1).loss == common_ev.evaluate(theta, 1, 2).loss);
}

TEST_CASE("the fixed-step features approach the BDF features as dt shrinks") {
  auto cfg = small(8, 3);
  cfg.common_noise = true;
  cfg.integrator = tasks::evidence_integrator::bdf;
  cfg.solver.rtol = 1e-9;
  cfg.solver.atol = 1e-9;
  tasks::evidence_task bdf(cfg);
  tasks::evidence_evaluator bdf_ev(bdf);
  const auto theta = bdf.initial_params();
  std::vector<double> ref;
  REQUIRE(bdf_ev.features(theta, tasks::work_item{0, 0}, ref));
  auto error_at = [&](double dt) {
    auto c = cfg;
    c.integrator = tasks::evidence_integrator::fixed;
    c.dt = dt;
    tasks::evidence_task fixed(c);
    tasks::evidence_evaluator fixed_ev(fixed);
    std::vector<double> f;
    REQUIRE(fixed_ev.features(theta, tasks::work_item{0, 0}, f));
    double e = 0;
    for (std::size_t k = 0; k < f.size(); ++k) e = std::max(e, std::abs(f[k] - ref[k]));
    return e;
  };
  const double e1 = error_at(0.1), e2 = error_at(0.01), e3 = error_at(0.001);
  MESSAGE("max |feature - BDF feature|: dt=0.1 " << e1 << ", 0.01 " << e2 << ", 0.001 " << e3);
  CHECK(e2 < 0.5 * e1);
  CHECK(e3 < 0.5 * e2);
  CHECK(e3 < 0.01);
}

TEST_CASE("float32 on the continuous model: within the solver's own error of a tight solve") {
  // float32 rounds W_rec and sums the coupling product in single precision (test_ml_network
  // bounds the sums). The oracle is a float64 solve at 1e-10: at the run's rtol = atol = 1e-6
  // the float32 features must be as close to it as the float64 features are (the tolerance's
  // error, 9e-5 here), and really single precision (not the float64 path).
  auto cfg = small(8, 3);
  cfg.integrator = tasks::evidence_integrator::bdf;
  cfg.solver.rtol = cfg.solver.atol = 1e-10;
  tasks::evidence_task tight(cfg);
  cfg.solver.rtol = cfg.solver.atol = 1e-6;
  tasks::evidence_task f64(cfg);
  cfg.precision = tasks::evidence_precision::float32;
  tasks::evidence_task f32(cfg);
  tasks::evidence_evaluator tight_ev(tight), ev64(f64), ev32(f32);
  const auto theta = f64.initial_params();
  std::vector<double> ref, a, b;
  REQUIRE(tight_ev.features(theta, tasks::work_item{0, 0}, ref));
  REQUIRE(ev64.features(theta, tasks::work_item{0, 0}, a));
  REQUIRE(ev32.features(theta, tasks::work_item{0, 0}, b));
  double e64 = 0, e32 = 0, d = 0;
  for (std::size_t k = 0; k < ref.size(); ++k) {
    e64 = std::max(e64, std::abs(a[k] - ref[k]));
    e32 = std::max(e32, std::abs(b[k] - ref[k]));
    d = std::max(d, std::abs(a[k] - b[k]));
  }
  MESSAGE("max |feature - tight feature|: float64 " << e64 << ", float32 " << e32
                                                    << "; float32 - float64 " << d);
  CHECK(d > 0);
  CHECK(e32 < 3 * e64);
  CHECK(e32 < 1e-4);
}

TEST_CASE("initialisation follows the reference code") {
  auto cfg = small(64, 1);
  tasks::evidence_task task(cfg);
  tasks::evidence_evaluator task_ev(task);
  const auto theta = task.initial_params();
  const double b = 1 / 8.0;
  const auto& rec = task.layout().block("W_rec");
  std::size_t exact = 0;
  for (std::size_t k = 0; k < rec.size(); ++k) {
    const double x = theta[rec.offset + k];
    CHECK(std::abs(x - 0.001) <= b);
    exact += x == 0.001;
  }
  CHECK(std::abs(static_cast<double>(exact) / static_cast<double>(rec.size()) - 0.2) < 0.03);
  const auto& inp = task.layout().block("W_inp");
  for (std::size_t k = 0; k < inp.size(); ++k) CHECK(std::abs(theta[inp.offset + k] - 0.1) <= b);
}

TEST_CASE("invalid evidence settings are input errors") {
  auto cfg = small();
  cfg.token_ms = 0.25;  // not a whole number of 0.1 ms steps
  CHECK_THROWS_AS(tasks::evidence_task{cfg}, input_error);
  CHECK_THROWS_WITH_AS(
      tasks::make_task("evidence", tasks::task_defaults("evidence", {{"task.integrator", "rk4"}}),
                       0),
      "task.integrator = 'rk4' is not one of: fixed, bdf", input_error);
  CHECK_THROWS_WITH_AS(
      tasks::make_task("evidence", tasks::task_defaults("evidence", {{"task.precision", "half"}}),
                       0),
      "task.precision = 'half' is not one of: float64, float32", input_error);
  const auto f32 = tasks::make_task(
      "evidence", tasks::task_defaults("evidence", {{"task.precision", "float32"}}), 0);
  CHECK(dynamic_cast<const tasks::evidence_task&>(*f32).config_values().precision ==
        tasks::evidence_precision::float32);
}

TEST_CASE(
    "forward-only ES lifts held-out accuracy clearly above chance (data/ci/evidence_small.ini)") {
  train::run_config c;
  c.seed = 0;
  c.generations = 40;
  auto tc = small(16, 20);
  tc.seed = c.seed;
  tc.common_noise = true;
  c.es.seed = c.seed;
  c.es.strategy = "openai";
  c.es.population = 20;
  c.es.sigma = 0.1;
  c.es.blocks = {"W_ro", "b_ro"};
  c.optim.kind = es::optimizer_kind::adam;
  c.optim.lr = 0.05;
  auto task = std::make_unique<tasks::evidence_task>(tc);
  auto ctx = dist::make_local_context();
  train::trainer tr(c, *task, *ctx);
  auto st = tr.initial_state();
  tr.run(st, nullptr, {}, nullptr);

  // Held out: 300 trials the training never saw (the validation stream), fresh initial states.
  auto held_cfg = tc;
  held_cfg.trials = 300;
  held_cfg.common_noise = false;
  tasks::evidence_task held(held_cfg);
  tasks::evidence_evaluator held_ev(held);
  const auto before = held_ev.evaluate(tr.initial_state().theta, tasks::validation_generation, 1);
  const auto after = held_ev.evaluate(st.theta, tasks::validation_generation, 1);
  MESSAGE("task B held-out accuracy " << before.accuracy << " -> " << after.accuracy
                                      << ", cross-entropy " << before.loss << " -> " << after.loss);
  CHECK(after.accuracy > 0.5);
  CHECK(after.loss < std::log(3.0) - 0.15);
  CHECK(after.loss < before.loss - 0.15);
}

TEST_CASE("the exact readout gradient matches central finite differences of the loss") {
  auto cfg = small(10, 8);
  cfg.seed = 5;
  tasks::evidence_task task(cfg);
  tasks::evidence_evaluator task_ev(task);
  auto theta = task.initial_params();
  std::vector<double> grad(theta.size(), 0.0);
  REQUIRE(task_ev.exact_gradient(theta, 3, grad));
  const auto& ro = task.layout().block("W_ro");
  const auto& b = task.layout().block("b_ro");
  std::vector<std::size_t> probe{ro.offset,      ro.offset + 7, ro.offset + 13,
                                 ro.offset + 29, b.offset,      b.offset + 2};
  for (std::size_t k : probe) {
    const double h = 1e-5, keep = theta[k];
    theta[k] = keep + h;
    const double up = task_ev.evaluate(theta, 3, 0).loss;
    theta[k] = keep - h;
    const double down = task_ev.evaluate(theta, 3, 0).loss;
    theta[k] = keep;
    CHECK(grad[k] == doctest::Approx((up - down) / (2 * h)).epsilon(1e-6).scale(1e-8));
  }
  // Only the readout blocks are written.
  const auto& rec = task.layout().block("W_rec");
  for (std::size_t k = 0; k < rec.size(); ++k) CHECK(grad[rec.offset + k] == 0.0);
}

TEST_CASE("the hybrid protocol (ES on W_inp and W_rec, exact readout) learns") {
  train::run_config c;
  c.generations = 40;
  auto tc = small(16, 20);
  tc.common_noise = true;
  c.es.population = 20;
  c.es.sigma = 0.1;
  c.es.baseline = es::baseline_kind::center;
  c.es.blocks = {"W_inp", "W_rec"};
  c.es.exact_blocks = {"W_ro", "b_ro"};
  c.optim.kind = es::optimizer_kind::adam;
  c.optim.lr = 0.01;
  auto task = std::make_unique<tasks::evidence_task>(tc);
  auto ctx = dist::make_local_context();
  train::trainer tr(c, *task, *ctx);
  auto st = tr.initial_state();
  tr.run(st, nullptr, {}, nullptr);
  double first = 0, last = 0;
  for (int g = 0; g < 10; ++g) {
    first += st.history[g].validation_loss / 10;
    last += st.history[30 + g].validation_loss / 10;
  }
  MESSAGE("hybrid: validation cross-entropy " << first << " -> " << last);
  CHECK(last < first - 0.15);
  c.es.exact_blocks = {"W_inp"};
  c.es.blocks = {"W_rec"};
  CHECK_THROWS_WITH_AS(train::trainer(c, *task, *ctx), doctest::Contains("no exact gradient"),
                       input_error);
}

TEST_CASE("members that blow the work budget are counted failures; the run goes on") {
  train::run_config c;
  c.generations = 3;
  auto tc = small(6, 2);
  tc.integrator = tasks::evidence_integrator::bdf;
  tc.solver.max_steps_total = 3000;
  c.es.population = 8;
  c.es.sigma = 30.0;  // huge W_rec perturbations: violent, stiff members
  c.es.blocks = {"W_rec"};
  c.es.baseline = es::baseline_kind::center;
  c.optim.lr = 1e-3;  // optimizer_config's default when this was written
  auto task = std::make_unique<tasks::evidence_task>(tc);
  auto ctx = dist::make_local_context();
  train::trainer tr(c, *task, *ctx);
  auto st = tr.initial_state();
  CHECK(tr.run(st, nullptr, {}, nullptr) == train::outcome::finished);
  std::int64_t failures = 0;
  for (const auto& row : st.history) failures += row.failures;
  MESSAGE("failed members over 3 generations: " << failures << " of 24");
  CHECK(failures > 0);
  CHECK(failures < 24);
  for (double x : st.theta) CHECK(std::isfinite(x));
}

TEST_CASE("a wall-time budget turns a slow evaluation into a work-budget failure") {
  auto cfg = small(6, 2);
  cfg.integrator = tasks::evidence_integrator::bdf;
  cfg.solver.max_seconds = 1e-9;  // no solve is that fast
  tasks::evidence_task task(cfg);
  tasks::evidence_evaluator task_ev(task);
  const auto ev = task_ev.evaluate(task.initial_params(), 0, 0);
  CHECK(ev.status == eval_status::work_budget);
  CHECK(std::isnan(ev.loss));
}

TEST_CASE("the reservoir ablation trains the readout alone and leaves the network untouched") {
  train::run_config c;
  c.generations = 30;
  auto tc = small(16, 20);
  tc.common_noise = true;
  c.es.enabled = false;
  c.es.exact_blocks = {"W_ro", "b_ro"};
  c.es.sigma = 0.1;  // es_config's default when this was written (only logged here)
  c.optim.kind = es::optimizer_kind::adam;
  c.optim.lr = 0.01;
  auto task = std::make_unique<tasks::evidence_task>(tc);
  auto ctx = dist::make_local_context();
  train::trainer tr(c, *task, *ctx);
  const auto start = tr.initial_state();
  auto st = start;
  tr.run(st, nullptr, {}, nullptr);
  const auto& layout = task->layout();
  for (const char* fixed : {"W_inp", "W_rec"}) {
    const auto& b = layout.block(fixed);
    CHECK(std::equal(st.theta.begin() + b.offset, st.theta.begin() + b.offset + b.size(),
                     start.theta.begin() + b.offset));
  }
  const auto& ro = layout.block("W_ro");
  CHECK_FALSE(std::equal(st.theta.begin() + ro.offset, st.theta.begin() + ro.offset + ro.size(),
                         start.theta.begin() + ro.offset));
  CHECK(st.history.back().evaluations == 1);
  CHECK(st.history.back().validation_loss < st.history.front().validation_loss - 0.1);
  c.es.exact_blocks.clear();
  CHECK_THROWS_WITH_AS(train::trainer(c, *task, *ctx), doctest::Contains("nothing to train"),
                       input_error);
}
