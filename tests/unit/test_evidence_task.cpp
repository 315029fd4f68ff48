#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "esbio/core/error.hpp"
#include "esbio/core/random.hpp"
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
  return c;
}

// The inputs of one task B batch at the paper's defaults (seed 0, N = 128, 50 trials, 2000 steps
// of 0.1 ms, the initial theta, generation 1, member 0), built as evidence_evaluator::prepare()
// and initial_state() build them, so that the scheme can be stepped here directly.
struct paper_batch {
  tasks::evidence_config cfg;
  std::vector<double> theta, v0, table;  // table: x W_inp of each word (vocabulary x N)
  std::vector<tasks::evidence_trial> trials;
  std::span<const double> w_rec;
  std::size_t token_steps = 40;
  paper_batch() {
    const tasks::evidence_task task(cfg);
    theta = task.initial_params();
    trials = task.batch(1);
    const std::size_t n = cfg.neurons;
    v0.resize(cfg.trials * n);
    random_stream(cfg.seed, stream::trial_state, 1, 0).fill_normal(v0);
    for (double& v : v0) v = cfg.trial_v0_mean + cfg.trial_v0_sd * v;
    const auto& inp = task.layout().block("W_inp");
    const auto& emb = task.embeddings();
    table.assign(tasks::vocabulary * n, 0.0);
    for (int word = 0; word < tasks::vocabulary; ++word)
      for (int d = 0; d < tasks::evidence_embedding; ++d)
        for (std::size_t i = 0; i < n; ++i)
          table[word * n + i] +=
              emb[word * tasks::evidence_embedding + d] * theta[inp.offset + d * n + i];
    const auto& rec = task.layout().block("W_rec");
    w_rec = std::span<const double>(theta).subspan(rec.offset, rec.size());
  }
  // The drive of every trial during token tok (trials x N).
  void drive(std::size_t tok, std::vector<double>& out) const {
    const std::size_t n = cfg.neurons;
    out.resize(cfg.trials * n);
    for (std::size_t b = 0; b < cfg.trials; ++b)
      std::copy_n(table.data() + trials[b].tokens[tok] * n, n, out.data() + b * n);
  }
};

// The scheme's step as it was first written (before the exp-and-one-reciprocal rewrite in
// ml_network_kernels.cpp): a plain scalar transcription of the paper's formulas, kept here as
// the reference the fast kernel must reproduce.
void reference_steps(const models::network_params& p, std::size_t trials, std::size_t n,
                     std::span<const double> w_rec, std::vector<double>& v, std::vector<double>& w,
                     std::vector<double>& t, const std::vector<double>& drive, double dt) {
  const auto& q = p.neuron;
  const double half = dt / 2;
  std::vector<double> z(trials * n);
  for (std::size_t b = 0; b < trials; ++b)
    for (std::size_t i = 0; i < n; ++i) {
      double acc = drive[b * n + i];
      for (std::size_t j = 0; j < n; ++j) acc += t[b * n + j] * w_rec[j * n + i];
      z[b * n + i] = acc;
    }
  for (std::size_t k = 0; k < trials * n; ++k) {
    const double vk = v[k];
    const double m_inf = 0.5 * (1 + std::tanh((vk - q.V1) / q.V2));
    const double w_inf = 0.5 * (1 + std::tanh((vk - q.V3) / q.V4));
    const double tau = 1 / (q.phi * std::cosh((vk - q.V3) / (2 * q.V4)));
    const double w_new = (w_inf * dt + (tau - half) * w[k]) / (tau + half);
    const double g = (q.gCa * m_inf + q.gK * w_new + q.gL) / q.C;
    const double e = (q.gCa * q.ECa * m_inf + q.gK * q.EK * w_new + q.gL * q.EL) / q.C;
    const double current = ((p.iapp + z[k]) * p.input_gain + p.input_bias) / q.C;
    const double v_new = (vk * (1 - half * g) + dt * (e + current)) / (1 + half * g);
    v[k] = v_new;
    w[k] = w_new;
    t[k] = 1 / (1 + std::exp(-(v_new - p.vt) / p.kp));
  }
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
  auto ctx = dist::make_local_context();
  train::trainer tr(r, task, *ctx);
  auto st = tr.initial_state();
  const auto centre =
      tasks::evidence_evaluator(task).evaluate(st.theta, tasks::validation_generation, 0);
  tr.run(st, nullptr, {}, nullptr);
  CHECK(st.history[0].validation_accuracy == centre.accuracy);
  CHECK(st.history[0].validation_loss == centre.loss);
  CHECK(std::round(st.history[1].validation_accuracy * 7) == st.history[1].validation_accuracy * 7);
}

TEST_CASE("readout features are mean outputs in (0, 1) and the logits are affine in them") {
  tasks::evidence_task task(small());
  tasks::evidence_evaluator task_ev(task);
  const auto theta = task.initial_params();
  std::vector<double> f;
  REQUIRE(task_ev.features(theta, 2, 3, f));
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
  REQUIRE(bdf_ev.features(theta, 0, 0, ref));
  auto error_at = [&](double dt) {
    auto c = cfg;
    c.integrator = tasks::evidence_integrator::fixed;
    c.dt = dt;
    tasks::evidence_task fixed(c);
    tasks::evidence_evaluator fixed_ev(fixed);
    std::vector<double> f;
    REQUIRE(fixed_ev.features(theta, 0, 0, f));
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

TEST_CASE("float32 on the continuous model is the float64 model with W_rec rounded to float32") {
  auto cfg = small(8, 3);
  cfg.integrator = tasks::evidence_integrator::bdf;
  tasks::evidence_task f64(cfg);
  cfg.precision = tasks::evidence_precision::float32;
  tasks::evidence_task f32(cfg);
  tasks::evidence_evaluator ev64(f64), ev32(f32);
  const auto theta = f64.initial_params();
  auto rounded = theta;
  const auto& w = f64.layout().block("W_rec");
  std::size_t changed = 0;
  for (std::size_t k = w.offset; k < w.offset + w.size(); ++k) {
    rounded[k] = static_cast<float>(theta[k]);
    changed += rounded[k] != theta[k];
  }
  REQUIRE(changed > w.size() / 2);
  std::vector<double> a, b, c;
  REQUIRE(ev32.features(theta, 0, 0, a));
  REQUIRE(ev64.features(rounded, 0, 0, b));
  CHECK(a == b);  // bit for bit: the same solve on the same rounded weights
  REQUIRE(ev64.features(theta, 0, 0, c));
  double e = 0;
  for (std::size_t k = 0; k < a.size(); ++k) e = std::max(e, std::abs(a[k] - c[k]));
  MESSAGE("max |feature(float32 W_rec) - feature(float64)|: " << e);
  CHECK(e > 0);
  CHECK(e < 1e-6);  // rounding of 2^-24 relative in the weights; the solve's own rtol is 1e-6
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
  c.es.kind = es::strategy_kind::openai;
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

TEST_CASE("the fast fixed-step kernel reproduces the scheme's formulas over a paper-size trial") {
  const paper_batch pb;
  const std::size_t n = pb.cfg.neurons, trials = pb.cfg.trials, total = n * trials;
  models::ml_network net(n, pb.cfg.network);
  net.bind_recurrent(pb.w_rec);
  std::vector<double> v = pb.v0, w(total, pb.cfg.trial_w0), t(total, 0.0);
  auto rv = v, rw = w, rt = t;
  std::vector<double> drive;
  double worst = 0, worst_w = 0, v_min = 0, v_max = -100;
  for (std::size_t s = 0; s < pb.token_steps * tasks::evidence_tokens; ++s) {
    if (s % pb.token_steps == 0) pb.drive(s / pb.token_steps, drive);
    net.semi_implicit_steps(trials, v, w, t, drive, pb.cfg.dt);
    reference_steps(pb.cfg.network, trials, n, pb.w_rec, rv, rw, rt, drive, pb.cfg.dt);
    for (std::size_t k = 0; k < total; ++k) {
      worst = std::max(worst, std::abs(v[k] - rv[k]));
      worst_w = std::max(worst_w, std::abs(w[k] - rw[k]));
      v_min = std::min(v_min, rv[k]);
      v_max = std::max(v_max, rv[k]);
    }
  }
  MESSAGE("max |V - V_reference| over 200 ms: " << worst << " mV (w: " << worst_w << "); V in ["
                                                << v_min << ", " << v_max << "] mV");
  CHECK(v_max > 0);  // the batch spikes, so the comparison covers the whole voltage range
  CHECK(worst < 1e-9);
  CHECK(worst_w < 1e-11);
}

// The brief asked for 1e-2 mV at every neuron and step. No float32 scheme gets there on this batch:
// storing the state in float32 alone (float64 arithmetic, V, w and T rounded to float32 after
// every step) already moves V by 0.017 mV at the worst neuron and step, because a spike's onset
// near the SNIC threshold amplifies the 2e-6 mV rounding of each step. So the test measures that
// floor alongside and asks the float32 kernel to stay within twice it (measured: 0.025 mV against
// 0.017), and the root mean square over neurons and steps within 1e-3 mV (measured: 1.1e-4).
TEST_CASE("the float32 scheme follows the float64 one over a paper-size trial") {
  const paper_batch pb;
  const std::size_t n = pb.cfg.neurons, trials = pb.cfg.trials, total = n * trials;
  models::ml_network net(n, pb.cfg.network);
  net.bind_recurrent(pb.w_rec);
  std::vector<double> v = pb.v0, w(total, pb.cfg.trial_w0), t(total, 0.0), drive;
  std::vector<float> vf(v.begin(), v.end()), wf(w.begin(), w.end()), tf(total, 0.0f), drive_f;
  auto vr = v, wr = w, tr = t;  // float64 arithmetic on a float32 state
  const auto round = [](std::vector<double>& x) {
    for (double& e : x) e = static_cast<double>(static_cast<float>(e));
  };
  round(vr);
  round(wr);
  double worst = 0, floor = 0, sum2 = 0;
  for (std::size_t s = 0; s < pb.token_steps * tasks::evidence_tokens; ++s) {
    if (s % pb.token_steps == 0) {
      pb.drive(s / pb.token_steps, drive);
      drive_f.assign(drive.begin(), drive.end());
    }
    net.semi_implicit_steps(trials, v, w, t, drive, pb.cfg.dt);
    net.semi_implicit_steps(trials, std::span<float>(vf), std::span<float>(wf),
                            std::span<float>(tf), std::span<const float>(drive_f), pb.cfg.dt);
    net.semi_implicit_steps(trials, vr, wr, tr, drive, pb.cfg.dt);
    round(vr);
    round(wr);
    round(tr);
    for (std::size_t k = 0; k < total; ++k) {
      const double d = std::abs(v[k] - static_cast<double>(vf[k]));
      worst = std::max(worst, d);
      sum2 += d * d;
      floor = std::max(floor, std::abs(v[k] - vr[k]));
    }
  }
  const double rms = std::sqrt(sum2 / static_cast<double>(total * 2000));
  MESSAGE("|V_float32 - V_float64| over 200 ms: max "
          << worst << " mV, rms " << rms << " mV; float32 storage alone: max " << floor << " mV");
  CHECK(worst < 2 * floor);
  CHECK(worst < 5e-2);
  CHECK(rms < 1e-3);

  // The task's evaluation in float32: the same loss to float32 accuracy.
  auto cfg32 = pb.cfg;
  cfg32.precision = tasks::evidence_precision::float32;
  const tasks::evidence_task t64(pb.cfg), t32(cfg32);
  tasks::evidence_evaluator e64(t64), e32(t32);
  const auto a = e64.evaluate(pb.theta, 1, 0), b = e32.evaluate(pb.theta, 1, 0);
  REQUIRE(b.ok());
  MESSAGE("loss float64 " << a.loss << ", float32 " << b.loss);
  CHECK(b.loss == doctest::Approx(a.loss).epsilon(1e-5));
  CHECK(e32.evaluate(pb.theta, 1, 0).loss == b.loss);  // deterministic
}
