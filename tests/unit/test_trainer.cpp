#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <numeric>

#include "esbio/dist/context.hpp"
#include "esbio/tasks/spiral_task.hpp"
#include "esbio/train/trainer.hpp"

using namespace esbio;

namespace {

// A CI-sized version of the spiral protocol with the centre baseline (docs/science.md 3.1: the
// paper's baseline-free estimator is noise-dominated on this task).
train::run_config ci_config(std::uint32_t generations) {
  train::run_config c;
  c.seed = 3;
  c.generations = generations;
  c.es.seed = c.seed;
  c.es.population = 40;
  c.es.sigma = 0.02;
  c.es.baseline = es::baseline_kind::center;
  c.optim.kind = es::optimizer_kind::adam;
  c.optim.lr = 0.02;
  return c;
}

tasks::spiral_config ci_task_config() {
  tasks::spiral_config t;
  t.seed = 3;
  t.hidden = 50;
  t.solver.lmm = ode::method::adams;
  t.solver.nls = ode::nonlinear_solver::fixed_point;
  return t;
}
std::unique_ptr<tasks::task> ci_task(const tasks::spiral_config& t = ci_task_config()) {
  return std::make_unique<tasks::spiral_task>(t);
}

struct memory_sink final : train::checkpoint_sink {
  std::vector<train::train_state> saved;
  void save(const train::train_state& st, train::checkpoint_kind) override { saved.push_back(st); }
};

double mean_loss(const std::vector<train::history_row>& h, std::size_t from, std::size_t to) {
  double s = 0;
  for (std::size_t i = from; i < to; ++i) s += h[i].loss;
  return s / static_cast<double>(to - from);
}

}  // namespace

TEST_CASE("ES lowers the spiral MAE far below its initial value") {
  const auto cfg = ci_config(150);
  auto task = ci_task();
  auto ctx = dist::make_local_context();
  train::trainer tr(cfg, *task, *ctx);
  auto st = tr.initial_state();
  REQUIRE(tr.run(st, nullptr, {}, nullptr) == train::outcome::finished);
  REQUIRE(st.history.size() == 150);
  const double first = mean_loss(st.history, 0, 10), last = mean_loss(st.history, 140, 150);
  MESSAGE("spiral MAE: first 10 generations " << first << ", last 10 " << last);
  CHECK(last < 0.25 * first);
  for (const auto& row : st.history) CHECK(row.failures == 0);
}

TEST_CASE("a stopped and resumed run is bit-identical to an uninterrupted one") {
  auto cfg = ci_config(20);
  cfg.checkpoint_every = 5;
  auto task = ci_task();
  auto ctx = dist::make_local_context();

  train::trainer full(cfg, *task, *ctx);
  auto uninterrupted = full.initial_state();
  full.run(uninterrupted, nullptr, {}, nullptr);

  // First leg: ten generations, then a signal-style stop.
  auto first_cfg = cfg;
  first_cfg.generations = 10;
  train::trainer first(first_cfg, *task, *ctx);
  memory_sink sink;
  auto st = first.initial_state();
  REQUIRE(first.run(st, &sink, {}, nullptr) == train::outcome::finished);
  REQUIRE(!sink.saved.empty());

  // Second leg starts from the bytes a checkpoint carries, in a fresh task and trainer.
  auto task2 = ci_task();
  train::trainer second(cfg, *task2, *ctx);
  train::train_state resumed;
  resumed.load_replica_bytes(sink.saved.back().replica_bytes());
  CHECK(resumed.generation == 10);
  second.run(resumed, nullptr, {}, nullptr);
  CHECK(resumed.theta == uninterrupted.theta);
  CHECK(resumed.optimizer.m == uninterrupted.optimizer.m);
}

TEST_CASE("a stop request ends the run at a generation boundary with a checkpoint") {
  auto cfg = ci_config(50);
  auto task = ci_task();
  auto ctx = dist::make_local_context();
  train::trainer tr(cfg, *task, *ctx);
  memory_sink sink;
  std::atomic<bool> stop{false};
  auto st = tr.initial_state();
  int calls = 0;
  const auto outcome = tr.run(
      st, &sink,
      [&](const train::history_row&, const train::progress&) {
        if (++calls == 7) stop = true;
      },
      &stop);
  CHECK(outcome == train::outcome::stopped);
  CHECK(st.generation == 7);
  REQUIRE(sink.saved.size() == 1);
  CHECK(sink.saved.back().generation == 7);
}

TEST_CASE("history rows record what happened") {
  const auto cfg = ci_config(4);
  auto task = ci_task();
  auto ctx = dist::make_local_context();
  train::trainer tr(cfg, *task, *ctx);
  auto st = tr.initial_state();
  tr.run(st, nullptr, {}, nullptr);
  for (std::size_t g = 0; g < 4; ++g) {
    const auto& r = st.history[g];
    CHECK(r.generation == static_cast<std::int64_t>(g));
    CHECK(r.block == static_cast<std::int64_t>(g % 2));
    CHECK(r.evaluations == 40);
    CHECK(r.sigma == 0.02);
    CHECK(r.bytes_communicated == 0);
    CHECK(r.grad_norm > 0);
    CHECK(r.solver_steps > 0);
    CHECK(std::isnan(r.accuracy));
  }
  // Validation uses one fixed batch: generation 0's value is the initial model's loss on it.
  auto fresh = ci_task();
  const auto theta0 = tr.initial_state().theta;
  CHECK(st.history[0].validation_loss ==
        fresh->make_evaluator()->evaluate(theta0, tasks::validation_generation).loss);
  CHECK(st.history[0].validation_loss != st.history[0].loss);
}

TEST_CASE("run.validate_every: the validation set in every k-th and the last generation only") {
  auto every = ci_config(8);
  auto third = every;
  third.validate_every = 3;
  auto task = ci_task();
  auto ctx = dist::make_local_context();
  const auto run = [&](const train::run_config& c) {
    train::trainer tr(c, *task, *ctx);
    auto st = tr.initial_state();
    tr.run(st, nullptr, {}, nullptr);
    return st;
  };
  const auto a = run(every), b = run(third);
  CHECK(b.theta == a.theta);  // validation never moves theta
  for (std::size_t g = 0; g < 8; ++g) {
    CAPTURE(g);
    const bool validated = g % 3 == 0 || g == 7;
    CHECK(std::isnan(b.history[g].validation_loss) == !validated);
    if (validated) CHECK(b.history[g].validation_loss == a.history[g].validation_loss);
    CHECK(std::isnan(a.history[g].validation_accuracy));  // a regression task
    CHECK(b.history[g].solver_steps <= a.history[g].solver_steps);
    CHECK((b.history[g].solver_steps == a.history[g].solver_steps) == validated);
  }
}

TEST_CASE("method = bp trains the spiral on its adjoint gradient through the same optimiser") {
  auto cfg = ci_config(60);
  cfg.method = train::training_method::bp;
  cfg.optim.lr = 0.01;
  auto task = ci_task();
  auto ctx = dist::make_local_context();
  train::trainer tr(cfg, *task, *ctx);
  auto st = tr.initial_state();
  REQUIRE(tr.run(st, nullptr, {}, nullptr) == train::outcome::finished);
  const double first = mean_loss(st.history, 0, 5), last = mean_loss(st.history, 55, 60);
  MESSAGE("BP spiral MAE: first 5 generations " << first << ", last 5 " << last);
  CHECK(last < 0.25 * first);
  CHECK(st.history.back().validation_loss < 0.25 * st.history.front().validation_loss);
  for (const auto& row : st.history) {
    CHECK(row.failures == 0);
    CHECK(row.evaluations == 1);
    CHECK(row.grad_norm > 0);
  }
}

TEST_CASE("a run in which every evaluation fails stops after run.max_failed_generations") {
  auto cfg = ci_config(50);
  auto tc = ci_task_config();
  tc.solver.max_steps_total = 1;  // nothing integrates in one step
  cfg.max_failed_generations = 4;
  auto task = ci_task(tc);
  auto ctx = dist::make_local_context();
  train::trainer tr(cfg, *task, *ctx);
  memory_sink sink;
  std::vector<std::string> warnings;
  tr.on_warning([&](const std::string& w) { warnings.push_back(w); });
  auto st = tr.initial_state();
  CHECK(tr.run(st, &sink, {}, nullptr) == train::outcome::failed);
  CHECK(st.generation == 4);
  CHECK(tr.failure().find("every evaluation failed in 4 consecutive generations") == 0);
  CHECK(tr.failure().find("work_budget") != std::string::npos);
  REQUIRE(sink.saved.size() == 1);  // the failed run's checkpoint, for inspection
  CHECK(warnings.size() == 1);      // once, not every generation
  // The streak is part of the history: resumed, the run stops at once, as it would have.
  cfg.generations = 60;
  train::trainer again(cfg, *task, *ctx);
  CHECK(again.run(st, nullptr, {}, nullptr) == train::outcome::failed);
  CHECK(st.generation == 5);
}

TEST_CASE("a checkpoint that cannot be written stops every rank with the reason") {
  struct failing_sink final : train::checkpoint_sink {
    int saves = 0;
    void save(const train::train_state&, train::checkpoint_kind) override {
      if (++saves == 2) throw std::runtime_error("the disk is full");
    }
  };
  auto cfg = ci_config(30);
  cfg.checkpoint_every = 5;
  auto task = ci_task();
  auto ctx = dist::make_local_context();
  train::trainer tr(cfg, *task, *ctx);
  failing_sink sink;
  auto st = tr.initial_state();
  CHECK(tr.run(st, &sink, {}, nullptr) == train::outcome::failed);
  CHECK(tr.failure() == "the disk is full");
  CHECK(st.generation == 10);  // the failed save was generation 10's; no generation ran after it
}

TEST_CASE("/history/block tells one block, all parameters together, and no ES block apart") {
  auto cfg = ci_config(2);
  cfg.es.block_coordinate = false;
  auto task = ci_task();
  auto ctx = dist::make_local_context();
  train::trainer all(cfg, *task, *ctx);
  auto st = all.initial_state();
  all.run(st, nullptr, {}, nullptr);
  for (const auto& r : st.history) CHECK(r.block == train::all_blocks);
  cfg.method = train::training_method::bp;
  train::trainer bp(cfg, *task, *ctx);
  auto sb = bp.initial_state();
  bp.run(sb, nullptr, {}, nullptr);
  for (const auto& r : sb.history) CHECK(r.block == train::no_block);
}

namespace {

// The spiral with one gradient entry replaced: the stand-in for a BPTT gradient with a NaN in it
// (the paper zeroed those, "Zero NaNs in gradients. This can sometimes pop up with BNNs").
class one_entry_task final : public tasks::task {
 public:
  one_entry_task(const tasks::task& inner, double value) : inner_(inner), value_(value) {}
  std::string name() const override { return inner_.name(); }
  const param_layout& layout() const override { return inner_.layout(); }
  std::vector<double> initial_params() const override { return inner_.initial_params(); }
  bool has_gradient() const override { return true; }
  std::unique_ptr<tasks::evaluator> make_evaluator() const override {
    return std::make_unique<eval>(inner_.make_evaluator(), value_);
  }

 private:
  struct eval final : tasks::evaluator {
    eval(std::unique_ptr<tasks::evaluator> e, double v) : inner(std::move(e)), value(v) {}
    evaluation evaluate(std::span<const double> theta, const tasks::work_item& item) override {
      return inner->evaluate(theta, item);
    }
    evaluation gradient(std::span<const double> theta, const tasks::work_item& item,
                        std::span<double> grad) override {
      const auto ev = inner->gradient(theta, item, grad);
      grad[0] = value;
      return ev;
    }
    std::vector<named_array> traces(std::span<const double> theta, std::uint32_t g) override {
      return inner->traces(theta, g);
    }
    std::unique_ptr<tasks::evaluator> inner;
    double value;
  };
  const tasks::task& inner_;
  double value_;
};

}  // namespace

TEST_CASE("optim.nonfinite: a NaN gradient entry skips the step, or is zeroed as the paper did") {
  auto cfg = ci_config(8);
  cfg.method = train::training_method::bp;
  cfg.optim.clip_norm = 10;
  const auto inner = ci_task();
  const one_entry_task with_nan(*inner, std::nan("")), with_zero(*inner, 0.0);
  auto ctx = dist::make_local_context();

  train::trainer skip(cfg, with_nan, *ctx);
  auto s = skip.initial_state();
  const auto theta0 = s.theta;
  REQUIRE(skip.run(s, nullptr, {}, nullptr) == train::outcome::finished);
  CHECK(s.theta == theta0);  // every gradient had a NaN: no step was taken
  for (const auto& row : s.history) {
    CHECK(row.failures == 1);
    CHECK(std::isnan(row.grad_norm));
  }

  // Zeroing a NaN is the same as a gradient that was 0 there all along: bit for bit.
  cfg.optim.zero_nonfinite = true;
  train::trainer zeroed(cfg, with_nan, *ctx), exact(cfg, with_zero, *ctx);
  auto z = zeroed.initial_state(), e = exact.initial_state();
  zeroed.run(z, nullptr, {}, nullptr);
  exact.run(e, nullptr, {}, nullptr);
  CHECK(z.theta == e.theta);
  CHECK(z.theta != theta0);
  CHECK(z.theta[0] == theta0[0]);  // Adam never moves an entry whose gradient is always 0
  for (std::size_t g = 0; g < z.history.size(); ++g) {
    CHECK(z.history[g].failures == 1);  // still counted: the run file shows the NaNs happened
    CHECK(e.history[g].failures == 0);
    CHECK(z.history[g].grad_norm == e.history[g].grad_norm);
  }
}
