// Task B's batch in parts (dist.items_per_member for ES, dist.gradient_parts for BP): chunks of
// trials whose losses, accuracies and gradients add up to the whole batch's.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "esbio/tasks/evidence_task.hpp"

using namespace esbio;

namespace {

tasks::evidence_config small(tasks::evidence_integrator integrator,
                             tasks::evidence_precision precision) {
  tasks::evidence_config c;
  c.seed = 44;
  c.neurons = 10;
  c.trials = 7;  // not a multiple of the parts below: uneven chunks
  c.token_ms = 1;
  c.readout_ms = 4;
  c.integrator = integrator;
  c.precision = precision;
  // The solver this test was written with, the struct's default then.
  c.solver.lmm = ode::method::bdf;
  c.solver.nls = ode::nonlinear_solver::newton;
  return c;
}

struct variant {
  tasks::evidence_integrator integrator;
  tasks::evidence_precision precision;
  const char* name;
};
constexpr variant variants[] = {
    {tasks::evidence_integrator::fixed, tasks::evidence_precision::float64, "fixed float64"},
    {tasks::evidence_integrator::fixed, tasks::evidence_precision::float32, "fixed float32"},
    {tasks::evidence_integrator::bdf, tasks::evidence_precision::float64, "bdf float64"},
};

// Trial b's cross-entropy from the whole batch's features, as the task's score() computes it.
double cross_entropy(const tasks::evidence_task& task, const std::vector<double>& theta,
                     const std::vector<double>& f, std::size_t b, int label) {
  const std::size_t n = task.config_values().neurons;
  const auto& wro = task.layout().block("W_ro");
  const auto& bro = task.layout().block("b_ro");
  double logits[tasks::evidence_classes];
  for (int c = 0; c < tasks::evidence_classes; ++c) {
    double s = theta[bro.offset + c];
    for (std::size_t i = 0; i < n; ++i) s += theta[wro.offset + c * n + i] * f[b * n + i];
    logits[c] = s;
  }
  const double top = *std::max_element(logits, logits + tasks::evidence_classes);
  double z = 0;
  for (double l : logits) z += std::exp(l - top);
  return 0 + (top + std::log(z) - logits[label]);
}

}  // namespace

TEST_CASE("task B's evaluation parts, chunks of its trials, sum to its loss and accuracy") {
  for (const auto& v : variants) {
    CAPTURE(std::string(v.name));
    const tasks::evidence_task task(small(v.integrator, v.precision));
    tasks::evidence_evaluator ev(task);
    auto theta = task.initial_params();
    REQUIRE(task.batch_parts() == 7);
    const auto whole = ev.evaluate(theta, 2, 5);
    REQUIRE(whole.ok());
    // float64: only the grouping of the sum over trials differs. float32: also the vectorised
    // neuron loop's remainder, which a trial falls into or not depending on the trials batched
    // with it (glibc's scalar and vector expf round differently).
    const double eps = v.precision == tasks::evidence_precision::float32 ? 1e-6 : 1e-13;
    for (std::size_t parts : {1u, 2u, 3u, 7u}) {
      CAPTURE(parts);
      double loss = 0, accuracy = 0;
      std::int64_t steps = 0;
      for (std::size_t k = 0; k < parts; ++k) {
        const auto e = ev.evaluate(theta, tasks::work_item{2, 5, k, parts});
        REQUIRE(e.ok());
        loss += e.loss;
        accuracy += e.accuracy;
        steps += e.steps;
      }
      CHECK(loss == doctest::Approx(whole.loss).epsilon(eps));
      CHECK(accuracy == doctest::Approx(whole.accuracy).epsilon(1e-13));
      CHECK(steps == whole.steps);  // the same solves, shared out
    }
    // One trial per part: each part's loss is that trial's cross-entropy, from the whole batch's
    // features, over the whole batch's size.
    std::vector<double> f;
    REQUIRE(ev.features(theta, tasks::work_item{2, 5}, f));
    const auto& trials = ev.batch(2);
    for (std::size_t b = 0; b < 7; ++b) {
      const auto e = ev.evaluate(theta, tasks::work_item{2, 5, b, 7});
      CHECK(e.loss ==
            doctest::Approx(cross_entropy(task, theta, f, b, trials[b].label) / 7.0).epsilon(eps));
    }
    // The whole batch again after the parts: a part leaves no trace in the evaluator.
    CHECK(ev.evaluate(theta, 2, 5).loss == whole.loss);
  }
}

TEST_CASE("task B's gradient parts sum to its gradient (BPTT and the continuous adjoint)") {
  for (const auto& v : variants) {
    CAPTURE(std::string(v.name));
    const tasks::evidence_task task(small(v.integrator, v.precision));
    tasks::evidence_evaluator ev(task);
    const auto theta = task.initial_params();
    // The default: one part per trial on the BDF path, per 10 trials on the fixed-step path.
    CHECK(task.gradient_parts() == (v.integrator == tasks::evidence_integrator::bdf ? 7u : 1u));
    std::vector<double> whole(theta.size()), sum(theta.size()), part(theta.size());
    const auto all = ev.gradient(theta, 3, whole);
    REQUIRE(all.ok());
    for (std::size_t parts : {2u, 7u}) {
      CAPTURE(parts);
      std::fill(sum.begin(), sum.end(), 0.0);
      double loss = 0, accuracy = 0;
      for (std::size_t k = 0; k < parts; ++k) {
        std::fill(part.begin(), part.end(), 0.0);
        const auto e = ev.gradient(theta, tasks::work_item{3, 0, k, parts}, part);
        REQUIRE(e.ok());
        loss += e.loss;
        accuracy += e.accuracy;
        for (std::size_t i = 0; i < part.size(); ++i) sum[i] += part[i];
      }
      const double eps = v.precision == tasks::evidence_precision::float32 ? 1e-6 : 1e-13;
      CHECK(loss == doctest::Approx(all.loss).epsilon(eps));
      CHECK(accuracy == doctest::Approx(all.accuracy).epsilon(1e-13));
      double worst = 0, norm = 0;
      for (std::size_t i = 0; i < sum.size(); ++i) {
        worst = std::max(worst, std::abs(sum[i] - whole[i]));
        norm = std::max(norm, std::abs(whole[i]));
      }
      MESSAGE("largest |sum of parts - whole| " << worst << " of max |grad| " << norm);
      REQUIRE(norm > 0);
      // float64: only the sums over trials are grouped differently. float32 also accumulates
      // each token's dL/dW_rec in float, and rounds as the first test case says.
      CHECK(worst <= (v.precision == tasks::evidence_precision::float32 ? 1e-5 : 1e-12) * norm);
    }
  }
}

TEST_CASE("a part outside its batch is a logic error, not a silent wrong loss") {
  const tasks::evidence_task task(
      small(tasks::evidence_integrator::fixed, tasks::evidence_precision::float64));
  tasks::evidence_evaluator ev(task);
  const auto theta = task.initial_params();
  CHECK_THROWS_AS(ev.evaluate(theta, tasks::work_item{0, 0, 3, 3}), std::logic_error);
  CHECK_THROWS_AS(ev.evaluate(theta, tasks::work_item{0, 0, 0, 8}),
                  std::logic_error);     // 8 parts of 7 trials
  CHECK(ev.evaluate(theta, 0, 0).ok());  // and the evaluator is whole again afterwards
}

TEST_CASE("the validation batch in parts of about a member part's size sums to its loss") {
  auto cfg = small(tasks::evidence_integrator::fixed, tasks::evidence_precision::float64);
  cfg.validation_trials = 30;
  const tasks::evidence_task task(cfg);
  tasks::evidence_evaluator ev(task);
  // 30 validation trials against 7 a batch: ceil(30 / 7) = 5 parts for each part of a member.
  CHECK(task.validation_parts(1) == 5);
  CHECK(task.validation_parts(2) == 10);
  CHECK(task.validation_parts(7) == 30);  // at most one trial a part
  const auto theta = task.initial_params();
  const auto whole = ev.evaluate(theta, tasks::validation_generation);
  REQUIRE(whole.ok());
  double loss = 0, accuracy = 0;
  for (std::size_t k = 0; k < 5; ++k) {
    const auto e = ev.evaluate(theta, tasks::work_item{tasks::validation_generation, 0, k, 5});
    REQUIRE(e.ok());
    loss += e.loss;
    accuracy += e.accuracy;
  }
  CHECK(loss == doctest::Approx(whole.loss).epsilon(1e-13));
  CHECK(accuracy == doctest::Approx(whole.accuracy).epsilon(1e-13));
}

TEST_CASE("task B's exact readout gradient in parts sums to the whole batch's") {
  const tasks::evidence_task task(
      small(tasks::evidence_integrator::fixed, tasks::evidence_precision::float64));
  tasks::evidence_evaluator ev(task);
  const auto theta = task.initial_params();
  std::vector<double> whole(theta.size(), 0.0), sum(theta.size(), 0.0), part(theta.size());
  REQUIRE(ev.exact_gradient(theta, 4, whole));
  for (std::size_t k = 0; k < 3; ++k) {
    std::fill(part.begin(), part.end(), 0.0);
    REQUIRE(ev.exact_gradient(theta, tasks::work_item{4, 0, k, 3}, part));
    for (std::size_t i = 0; i < part.size(); ++i) sum[i] += part[i];
  }
  double norm = 0;
  for (const char* name : {"W_ro", "b_ro"}) {
    const auto& b = task.layout().block(name);
    for (std::size_t i = b.offset; i < b.offset + b.size(); ++i) {
      CHECK(sum[i] == doctest::Approx(whole[i]).epsilon(1e-12).scale(1e-15));
      norm = std::max(norm, std::abs(whole[i]));
    }
  }
  CHECK(norm > 0);
}
