// The paper's fixed-step scheme (task B, integrator = fixed) as morris_lecar.hpp computes
// it, against a plain transcription of its formulas in float64, and its float32 version against
// the float64 one, over a paper-size batch.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "esbio/core/random.hpp"
#include "esbio/tasks/evidence_task.hpp"
#include "ml_test_network.hpp"

using namespace esbio;

namespace {

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
    // The solver this test was written with, the struct's default then.
    cfg.solver.lmm = ode::method::bdf;
    cfg.solver.nls = ode::nonlinear_solver::newton;
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
// morris_lecar.hpp): a plain scalar transcription of the paper's formulas, kept here as
// the reference the fast kernel must reproduce.
void reference_steps(const testing::ml_net_params& p, std::size_t trials, std::size_t n,
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

TEST_CASE("the fast fixed-step kernel reproduces the scheme's formulas over a paper-size trial") {
  const paper_batch pb;
  const std::size_t n = pb.cfg.neurons, trials = pb.cfg.trials, total = n * trials;
  testing::ml_network net(n, testing::ml_params_of(pb.cfg.network));
  net.bind_recurrent(pb.w_rec);
  std::vector<double> v = pb.v0, w(total, pb.cfg.trial_w0), t(total, 0.0);
  auto rv = v, rw = w, rt = t;
  std::vector<double> drive;
  double worst = 0, worst_w = 0, v_min = 0, v_max = -100;
  for (std::size_t s = 0; s < pb.token_steps * tasks::evidence_tokens; ++s) {
    if (s % pb.token_steps == 0) pb.drive(s / pb.token_steps, drive);
    net.semi_implicit_steps(trials, v, w, t, drive, pb.cfg.dt);
    reference_steps(testing::ml_params_of(pb.cfg.network), trials, n, pb.w_rec, rv, rw, rt, drive,
                    pb.cfg.dt);
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
  testing::ml_network net(n, testing::ml_params_of(pb.cfg.network));
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
