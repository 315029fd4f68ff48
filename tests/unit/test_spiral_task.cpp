#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "esbio/core/error.hpp"
#include "esbio/es/gradient_estimator.hpp"
#include "esbio/tasks/registry.hpp"
#include "esbio/tasks/spiral_task.hpp"

using namespace esbio;

namespace {
tasks::spiral_config small_config() {
  tasks::spiral_config c;
  c.hidden = 16;
  c.seed = 11;
  // The solver this test was written with, the struct's default then.
  c.solver.lmm = ode::method::bdf;
  c.solver.nls = ode::nonlinear_solver::newton;
  return c;
}
}  // namespace

TEST_CASE("the spiral truth agrees with an independent SciPy DOP853 solve") {
  tasks::spiral_task task(small_config());
  auto task_ev = task.make_evaluator();
  std::ifstream in(std::string(ESBIO_REGRESSION_DIR) + "/spiral_truth_scipy.txt");
  REQUIRE(in);
  std::string line;
  int rows = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::size_t i;
    double t, y0, y1;
    ls >> i >> t >> y0 >> y1;
    CHECK(task.times()[i] == doctest::Approx(t).epsilon(1e-15));
    CHECK(std::abs(task.truth()[2 * i] - y0) < 1e-7);
    CHECK(std::abs(task.truth()[2 * i + 1] - y1) < 1e-7);
    ++rows;
  }
  CHECK(rows == 29);
}

TEST_CASE("batches: distinct starts in range, the same for a generation, new each generation") {
  tasks::spiral_task task(small_config());
  auto task_ev = task.make_evaluator();
  const auto a = task.batch_starts(3), b = task.batch_starts(3), c = task.batch_starts(4);
  CHECK(a == b);
  CHECK(a != c);
  CHECK(a.size() == 20);
  CHECK(std::set<std::size_t>(a.begin(), a.end()).size() == a.size());
  for (auto s : a) CHECK(s < 990);
  const auto v = task.batch_starts(tasks::validation_generation);
  CHECK(v == task.batch_starts(tasks::validation_generation));
  for (std::uint32_t g = 0; g < 100; ++g) CHECK(task.batch_starts(g) != v);
}

TEST_CASE("with zero weights the prediction stands still: loss is the mean drift of the truth") {
  tasks::spiral_task task(small_config());
  auto task_ev = task.make_evaluator();
  const std::vector<double> theta(task.layout().size(), 0.0);
  const auto ev = task_ev->evaluate(theta, 5);
  REQUIRE(ev.ok());
  double expect = 0;
  for (auto s : task.batch_starts(5))
    for (std::size_t k = 0; k < 10; ++k)
      for (int d = 0; d < 2; ++d)
        expect += std::abs(task.truth()[2 * s + d] - task.truth()[2 * (s + k) + d]);
  expect /= 20 * 10 * 2;
  CHECK(ev.loss == doctest::Approx(expect).epsilon(1e-12));
}

TEST_CASE("the random initial model is far from the truth") {
  tasks::spiral_task task(small_config());
  auto task_ev = task.make_evaluator();
  const auto ev = task_ev->evaluate(task.initial_params(), 0);
  REQUIRE(ev.ok());
  CHECK(ev.loss > 0.01);
  CHECK(std::isnan(ev.accuracy));
}

TEST_CASE("initial parameters follow the reference code's uniform ranges") {
  auto cfg = small_config();
  cfg.hidden = 400;
  tasks::spiral_task task(cfg);
  auto task_ev = task.make_evaluator();
  const auto theta = task.initial_params();
  const auto& w1 = task.layout().block("W1");
  const auto& w2 = task.layout().block("W2");
  double max1 = 0, max2 = 0;
  for (std::size_t k = 0; k < w1.size(); ++k) max1 = std::max(max1, std::abs(theta[w1.offset + k]));
  for (std::size_t k = 0; k < w2.size(); ++k) max2 = std::max(max2, std::abs(theta[w2.offset + k]));
  CHECK(max1 <= 1 / std::sqrt(400.0));
  CHECK(max1 > 0.9 / std::sqrt(400.0));
  CHECK(max2 <= 1 / std::sqrt(2.0));
  CHECK(max2 > 0.9 / std::sqrt(2.0));
  CHECK(theta == tasks::spiral_task(cfg).initial_params());
}

TEST_CASE("a member that exhausts its step budget is a failure status, not a crash") {
  auto cfg = small_config();
  cfg.solver.max_steps_total = 20;
  tasks::spiral_task task(cfg);
  auto task_ev = task.make_evaluator();
  std::vector<double> theta(task.layout().size(), 50.0);  // huge weights: violent dynamics
  const auto ev = task_ev->evaluate(theta, 0);
  CHECK(ev.status == eval_status::work_budget);
  CHECK(std::isnan(ev.loss));
  cfg.solver.max_steps_total = 1000000;
  CHECK(tasks::spiral_task(cfg).make_evaluator()->evaluate(theta, 0).ok());
}

TEST_CASE("invalid task settings are input errors") {
  auto cfg = small_config();
  cfg.batch = 991;
  CHECK_THROWS_AS(tasks::spiral_task{cfg}, input_error);
  CHECK_THROWS_WITH_AS(tasks::make_task("nope", {}, 0), doctest::Contains("unknown task 'nope'"),
                       input_error);
}

namespace {
tasks::spiral_config gradient_config() {
  auto c = small_config();
  c.batch = 3;
  c.window = 6;
  c.solver.lmm = ode::method::bdf;
  c.solver.rtol = 1e-11;
  c.solver.atol = 1e-13;
  return c;
}
}  // namespace

TEST_CASE("batched windows give the separate windows' loss and gradient at tight tolerance") {
  // One system of batch x 2 states, or one solve per window: the same equations, so at
  // rtol 1e-11 they agree to the solves' error; the parameter gradient sums the windows'.
  auto cfg = gradient_config();
  tasks::spiral_task separate(cfg);
  cfg.batched_windows = true;
  tasks::spiral_task batched(cfg);
  auto ev_s = separate.make_evaluator();
  auto ev_b = batched.make_evaluator();
  const auto theta = separate.initial_params();
  std::vector<double> gs(theta.size()), gb(theta.size());
  const auto es = ev_s->gradient(theta, 7, gs);
  const auto eb = ev_b->gradient(theta, 7, gb);
  REQUIRE(es.ok());
  REQUIRE(eb.ok());
  CHECK(eb.loss == doctest::Approx(es.loss).epsilon(1e-9));
  CHECK(ev_b->evaluate(theta, 7).loss == doctest::Approx(es.loss).epsilon(1e-9));
  double worst = 0, norm = 0;
  for (std::size_t k = 0; k < gs.size(); ++k) {
    worst = std::max(worst, std::abs(gb[k] - gs[k]));
    norm = std::max(norm, std::abs(gs[k]));
  }
  MESSAGE("largest |grad batched - grad separate| " << worst << " of max |grad| " << norm);
  CHECK(worst < 1e-7 * norm);
}

TEST_CASE("the spiral's evaluation parts, chunks of its windows, sum to its loss") {
  auto cfg = small_config();
  tasks::spiral_task task(cfg);
  auto ev = task.make_evaluator();
  const auto theta = task.initial_params();
  REQUIRE(task.batch_parts() == 20);
  const auto whole = ev->evaluate(theta, 3, 0);
  REQUIRE(whole.ok());
  for (std::size_t parts : {1u, 3u, 7u, 20u}) {
    CAPTURE(parts);
    double loss = 0;
    std::int64_t steps = 0;
    for (std::size_t k = 0; k < parts; ++k) {
      const auto e = ev->evaluate(theta, tasks::work_item{3, 0, k, parts});
      REQUIRE(e.ok());
      loss += e.loss;
      steps += e.steps;
    }
    CHECK(loss == doctest::Approx(whole.loss).epsilon(1e-13));
    CHECK(steps == whole.steps);  // the same solves, shared out
  }
}

TEST_CASE("the spiral's gradient parts, one per window, sum to its gradient and loss") {
  tasks::spiral_task task(gradient_config());
  auto ev = task.make_evaluator();
  const auto theta = task.initial_params();
  REQUIRE(task.gradient_parts() == 3);
  std::vector<double> whole(theta.size()), sum(theta.size(), 0.0), part(theta.size());
  const auto all = ev->gradient(theta, 7, whole);
  REQUIRE(all.ok());
  double loss = 0;
  for (std::size_t k = 0; k < 3; ++k) {
    std::fill(part.begin(), part.end(), 0.0);
    const auto e = ev->gradient(theta, tasks::work_item{7, 0, k, 3}, part);
    REQUIRE(e.ok());
    loss += e.loss;
    for (std::size_t i = 0; i < part.size(); ++i) sum[i] += part[i];
  }
  CHECK(loss == doctest::Approx(all.loss).epsilon(1e-13));
  double worst = 0, norm = 0;
  for (std::size_t i = 0; i < sum.size(); ++i) {
    worst = std::max(worst, std::abs(sum[i] - whole[i]));
    norm = std::max(norm, std::abs(whole[i]));
  }
  CHECK(worst <= 1e-12 * norm);  // the same solves; only the order of the sums differs
  auto batched_cfg = gradient_config();
  batched_cfg.batched_windows = true;  // one system, one part
  CHECK(tasks::spiral_task(batched_cfg).gradient_parts() == 1);
}

TEST_CASE("the spiral's adjoint gradient matches central differences of its loss") {
  tasks::spiral_task task(gradient_config());
  auto task_ev = task.make_evaluator();
  auto theta = task.initial_params();
  std::vector<double> grad(theta.size());
  const auto ev = task_ev->gradient(theta, 7, grad);
  REQUIRE(ev.ok());
  CHECK(ev.loss == doctest::Approx(task_ev->evaluate(theta, 7).loss).epsilon(1e-9));
  const auto loss_at = [&](std::size_t k, double h) {
    auto t = theta;
    t[k] += h;
    return task_ev->evaluate(t, 7).loss;
  };
  // A few coordinates of each layer: the MAE is smooth where no residual changes sign.
  for (std::size_t k : {0ul, 5ul, 17ul, 31ul, 32ul, 40ul, 63ul}) {
    const double h = 1e-6;
    const double fd = (loss_at(k, h) - loss_at(k, -h)) / (2 * h);
    CHECK(grad[k] == doctest::Approx(fd).epsilon(1e-5).scale(1e-6));
  }
}

TEST_CASE("ES estimates align with the BP gradient as the population grows (small sigma)") {
  // For the centre-baseline estimator, E[g_ES] -> grad L as sigma -> 0, and its cosine with the
  // gradient behaves like 1/sqrt(1 + P/S) for P parameters: 0.45, 0.85, 0.98 for S = 16, 160, 1600
  // and P = 64.
  auto cfg = gradient_config();
  cfg.solver.rtol = 1e-9;
  cfg.solver.atol = 1e-11;
  tasks::spiral_task task(cfg);
  auto task_ev = task.make_evaluator();
  const auto theta = task.initial_params();
  std::vector<double> bp(theta.size());
  REQUIRE(task_ev->gradient(theta, 2, bp).ok());
  std::vector<double> cosines;
  for (std::size_t s : {16ul, 160ul, 1600ul}) {
    es::es_config e;
    e.population = s;
    e.sigma = 1e-5;
    e.baseline = es::baseline_kind::center;
    e.block_coordinate = false;
    e.seed = 9;
    const es::gradient_estimator strategy(e, task.layout());
    std::vector<evaluation> evals;
    std::vector<double> member(theta.size());
    for (std::size_t m = 0; m < strategy.evaluations(); ++m) {
      strategy.member_params(theta, 2, m, member);
      evals.push_back(task_ev->evaluate(member, 2, static_cast<std::uint32_t>(m)));
    }
    const auto est = strategy.estimate_gradient(evals, theta, 2);
    REQUIRE(est.usable);
    double dot = 0, na = 0, nb = 0;
    for (std::size_t k = 0; k < bp.size(); ++k) {
      dot += est.grad[k] * bp[k];
      na += est.grad[k] * est.grad[k];
      nb += bp[k] * bp[k];
    }
    cosines.push_back(dot / std::sqrt(na * nb));
  }
  MESSAGE("cosines " << cosines[0] << " " << cosines[1] << " " << cosines[2]);
  CHECK(cosines[0] < cosines[1]);
  CHECK(cosines[1] < cosines[2]);
  CHECK(cosines[2] > 0.95);
}

TEST_CASE("task.precision = float32: the spiral's loss and prediction are float64's to rounding") {
  // The oracle is the float64 field at a tolerance far below float32's rounding, so what is left
  // is the field's single precision (about 1e-8 relative, test_models) carried along the solve.
  auto cfg = small_config();
  cfg.hidden = 1000;  // the paper's width: sums over H are where float32 loses digits
  cfg.solver.lmm = ode::method::adams;
  cfg.solver.nls = ode::nonlinear_solver::fixed_point;
  cfg.solver.rtol = 1e-10;
  cfg.solver.atol = 1e-10;
  tasks::spiral_task t64(cfg);
  cfg.precision = models::field_precision::float32;
  tasks::spiral_task t32(cfg);
  const auto theta = t64.initial_params();
  auto e64 = t64.make_evaluator(), e32 = t32.make_evaluator();
  double worst_loss = 0;
  for (std::uint32_t g : {0u, 5u}) {
    const auto a = e64->evaluate(theta, g), b = e32->evaluate(theta, g);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(a.loss != b.loss);  // really single precision
    worst_loss = std::max(worst_loss, std::abs(a.loss - b.loss) / a.loss);
  }
  const auto pred = [](tasks::evaluator& e, const std::vector<double>& th) {
    for (auto& a : e.traces(th, 0))
      if (a.name == "prediction") return a.data;
    return std::vector<double>{};
  };
  const auto p64 = pred(*e64, theta), p32 = pred(*e32, theta);
  REQUIRE(p64.size() == p32.size());
  double worst_traj = 0;
  for (std::size_t k = 0; k < p64.size(); ++k)
    worst_traj = std::max(worst_traj, std::abs(p64[k] - p32[k]));
  MESSAGE("float32 against float64: relative loss " << worst_loss << ", prediction over t in [0, "
                                                    << cfg.t_end << "] " << worst_traj);
  CHECK(worst_loss < 1e-6);
  CHECK(worst_traj < 1e-4);  // 25 time units amplify the field's 1e-8; broken float32 is far above
}
