#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "esbio/core/error.hpp"
#include "esbio/es/gradient_estimator.hpp"
#include "esbio/es/shaping.hpp"

using namespace esbio;
using namespace esbio::es;

namespace {

param_layout two_blocks(std::size_t a = 3, std::size_t b = 5) {
  param_layout l;
  l.add("A", 1, a).add("B", b, 1);
  return l;
}

// Evaluate loss(theta_m) for every member of generation g.
template <class F>
std::vector<evaluation> evaluate_all(const gradient_estimator& s, const std::vector<double>& theta,
                                     std::uint32_t g, F loss) {
  std::vector<evaluation> ev(s.evaluations());
  std::vector<double> p(theta.size());
  for (std::size_t m = 0; m < ev.size(); ++m) {
    s.member_params(theta, g, m, p);
    ev[m].loss = loss(p);
  }
  return ev;
}

// The estimator settings these tests were written against: es_config's defaults before they
// became the command line's (sigma 0.01, the centre baseline).
es_config written_with() {
  es_config c;
  c.sigma = 0.1;
  c.baseline = baseline_kind::none;
  return c;
}

double cosine(const std::vector<double>& a, const std::vector<double>& b) {
  const double ab = std::inner_product(a.begin(), a.end(), b.begin(), 0.0);
  const double aa = std::inner_product(a.begin(), a.end(), a.begin(), 0.0);
  const double bb = std::inner_product(b.begin(), b.end(), b.begin(), 0.0);
  return ab / std::sqrt(aa * bb);
}

}  // namespace

TEST_CASE("centred ranks: ties share their average rank") {
  const std::vector<double> l{3.0, 1.0, 2.0, 2.0};
  const auto u = centred_ranks(l);
  CHECK(u == std::vector<double>{0.5, -0.5, 0.0, 0.0});
  const std::vector<double> inf{1.0, std::numeric_limits<double>::infinity(), 0.5,
                                std::numeric_limits<double>::infinity()};
  const auto v = centred_ranks(inf);
  const std::vector<double> expect{-1.0 / 6, 1.0 / 3, -0.5, 1.0 / 3};
  for (int k = 0; k < 4; ++k) CHECK(v[k] == doctest::Approx(expect[k]).epsilon(1e-15));
}

TEST_CASE("members perturb only the active block, which rotates") {
  es_config c = written_with();
  c.population = 4;
  c.sigma = 0.5;
  gradient_estimator s(c, two_blocks());
  const std::vector<double> theta(8, 1.0);
  std::vector<double> p(8);
  CHECK(s.active(0).name == "A");
  CHECK(s.active(1).name == "B");
  CHECK(s.active(2).name == "A");
  s.member_params(theta, 1, 2, p);
  for (int k = 0; k < 3; ++k) CHECK(p[k] == 1.0);
  int changed = 0;
  for (int k = 3; k < 8; ++k) changed += p[k] != 1.0;
  CHECK(changed == 5);
  s.member_params(theta, 1, 0, p);
  CHECK(p == theta);  // member 0 is the centre
}

TEST_CASE("es.blocks restricts the rotation to the named blocks") {
  es_config c = written_with();
  c.population = 4;
  c.blocks = {"B"};
  gradient_estimator s(c, two_blocks());
  for (std::uint32_t g = 0; g < 5; ++g) CHECK(s.active(g).name == "B");
  c.blocks = {"B", "A"};
  gradient_estimator t(c, two_blocks());
  CHECK(t.active(0).name == "B");
  CHECK(t.active(1).name == "A");
  CHECK(t.active(1).id == 0);  // optimiser state stays keyed by the layout's block index
  c.blocks = {"C"};
  CHECK_THROWS_WITH_AS(gradient_estimator(c, two_blocks()),
                       doctest::Contains("es.blocks names 'C'"), input_error);
  c.blocks = {"A"};
  c.block_coordinate = false;
  CHECK_THROWS_AS(gradient_estimator(c, two_blocks()), input_error);
}

TEST_CASE("openai members come in mirrored pairs around theta") {
  es_config c = written_with();
  c.strategy = "openai";
  c.population = 6;
  c.block_coordinate = false;
  gradient_estimator s(c, two_blocks());
  CHECK(s.evaluations() == 7);
  const std::vector<double> theta{0.1, -0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8};
  std::vector<double> p(8), q(8);
  s.member_params(theta, 3, 1, p);
  s.member_params(theta, 3, 2, q);
  for (int k = 0; k < 8; ++k) {
    CHECK((p[k] + q[k]) / 2 == doctest::Approx(theta[k]).epsilon(1e-15));
    CHECK(p[k] != theta[k]);
  }
}

TEST_CASE("song estimates the gradient of a linear loss without bias") {
  // L(theta) = c . theta: the smoothed gradient is exactly c.
  const std::vector<double> cvec{1.0, -2.0, 0.5, 3.0, 0.0, -1.0, 2.0, 1.5};
  auto loss = [&](const std::vector<double>& p) {
    return std::inner_product(p.begin(), p.end(), cvec.begin(), 0.0);
  };
  es_config c = written_with();
  c.population = 20000;
  c.sigma = 0.1;
  c.block_coordinate = false;
  c.seed = 7;
  for (auto b : {baseline_kind::center, baseline_kind::mean}) {
    c.baseline = b;
    gradient_estimator s(c, two_blocks());
    const std::vector<double> theta(8, 0.3);
    const auto est = s.estimate_gradient(evaluate_all(s, theta, 0, loss), theta, 0);
    REQUIRE(est.usable);
    // Standard error of each component is about |c| / sqrt(S) ~ 0.03.
    for (int k = 0; k < 8; ++k) CHECK(std::abs(est.grad[k] - cvec[k]) < 0.2);
    CHECK(cosine(est.grad, cvec) > 0.995);
  }
}

TEST_CASE("song without baseline follows the paper's raw-loss formula") {
  // With L = const the paper's estimator is pure noise proportional to the constant,
  // g = (L/S) sum_m eps_m / sigma, and the centre baseline removes it exactly.
  es_config c = written_with();
  c.population = 50;
  c.sigma = 0.2;
  c.block_coordinate = false;
  gradient_estimator s(c, two_blocks());
  const std::vector<double> theta(8, 0.0);
  auto constant = [](const std::vector<double>&) { return 2.0; };
  const auto raw = s.estimate_gradient(evaluate_all(s, theta, 4, constant), theta, 4);
  std::vector<double> sum_eps(8, 0.0), p(8);
  for (std::size_t m = 1; m < 50; ++m) {
    s.member_params(theta, 4, m, p);
    for (int k = 0; k < 8; ++k) sum_eps[k] += p[k] / 0.2;
  }
  for (int k = 0; k < 8; ++k) CHECK(raw.grad[k] == doctest::Approx(2.0 * sum_eps[k] / (50 * 0.2)));
  c.baseline = baseline_kind::center;
  gradient_estimator centred(c, two_blocks());
  const auto zero = centred.estimate_gradient(evaluate_all(centred, theta, 4, constant), theta, 4);
  for (double g : zero.grad) CHECK(g == 0.0);
}

TEST_CASE("openai ranks give a descent direction on a quadratic") {
  const std::vector<double> target{1, 2, 3, 4, 5, 6, 7, 8};
  auto loss = [&](const std::vector<double>& p) {
    double s = 0;
    for (int k = 0; k < 8; ++k) s += (p[k] - target[k]) * (p[k] - target[k]);
    return s;
  };
  es_config c = written_with();
  c.strategy = "openai";
  c.population = 4000;
  c.sigma = 0.05;
  c.block_coordinate = false;
  gradient_estimator s(c, two_blocks());
  const std::vector<double> theta(8, 0.0);
  const auto est = s.estimate_gradient(evaluate_all(s, theta, 2, loss), theta, 2);
  std::vector<double> true_grad(8);
  for (int k = 0; k < 8; ++k) true_grad[k] = 2 * (theta[k] - target[k]);
  CHECK(cosine(est.grad, true_grad) > 0.95);
}

TEST_CASE(
    "failed members: song gives them the worst success plus the spread, openai ranks them worst") {
  auto loss = [](const std::vector<double>& p) { return p[0] * p[0] + p[4]; };
  const std::vector<double> theta(8, 0.2);
  for (const std::string kind : {"song", "openai"}) {
    es_config c = written_with();
    c.strategy = kind;
    c.population = 10;
    c.block_coordinate = false;
    gradient_estimator s(c, two_blocks());
    auto ev = evaluate_all(s, theta, 1, loss);
    auto failed = ev;
    failed[3].status = eval_status::solver_failure;
    failed[3].loss = std::numeric_limits<double>::quiet_NaN();
    failed[6].status = eval_status::non_finite;
    double worst = -1e300, best = 1e300;
    for (std::size_t m = 0; m < ev.size(); ++m)
      if (m != 3 && m != 6) worst = std::max(worst, ev[m].loss), best = std::min(best, ev[m].loss);
    REQUIRE(worst > best);
    auto substituted = ev;
    substituted[3].loss = substituted[6].loss = kind == "song" ? worst + (worst - best) : 1e300;
    const auto a = s.estimate_gradient(failed, theta, 1);
    const auto b = s.estimate_gradient(substituted, theta, 1);
    CHECK(a.failures == 2);
    CHECK(b.failures == 0);
    CHECK(a.grad == b.grad);
  }
}

TEST_CASE("a failure ranks below every success even when the successes all tie (a silent neuron)") {
  // Task A with a tight step budget: most members fail, the rest score exactly 0. Were failures
  // given the worst success's loss (0), the estimate would be exactly zero.
  const std::vector<double> theta(8, 0.0);
  for (const std::string kind : {"song", "openai"}) {
    es_config c = written_with();
    c.strategy = kind;
    c.population = 10;
    c.block_coordinate = false;
    c.baseline = baseline_kind::center;
    gradient_estimator s(c, two_blocks());
    std::vector<evaluation> ev(s.evaluations());
    for (auto& e : ev) e.loss = 0.0;
    for (std::size_t m : {2u, 3u, 5u, 8u, 9u}) ev[m].status = eval_status::work_budget;
    const auto est = s.estimate_gradient(ev, theta, 0);
    CHECK(est.usable);
    CHECK(est.failures == 5);
    double norm = 0;
    for (double g : est.grad) norm += g * g;
    CHECK(norm > 0);
    if (kind == "song") {
      auto substituted = ev;  // the failures' loss: worst (0) + 1, since every success is 0
      for (auto& e : substituted)
        if (!e.ok()) e = evaluation{}, e.loss = 1.0;
      CHECK(s.estimate_gradient(substituted, theta, 0).grad == est.grad);
    }
  }
}

TEST_CASE("failure_loss is strictly above every success, honours a higher configured penalty") {
  CHECK(failure_loss(std::nullopt, true, 3.0, 1.0) == 5.0);    // worst + spread
  CHECK(failure_loss(std::nullopt, true, -2.0, -2.0) == 0.0);  // ties: worst + |worst|
  CHECK(failure_loss(std::nullopt, true, 0.0, 0.0) == 1.0);    // ties at 0: worst + 1
  CHECK(failure_loss(10.0, true, 3.0, 1.0) == 10.0);           // configured and above
  CHECK(failure_loss(2.0, true, 3.0, 1.0) == 5.0);             // configured but not above: raised
  CHECK(failure_loss(7.0, false, 0.0, 0.0) == 7.0);            // nothing succeeded
  CHECK(std::isnan(failure_loss(std::nullopt, false, 0.0, 0.0)));
}

TEST_CASE("a configured failure penalty is used as the failed members' loss") {
  es_config c = written_with();
  c.population = 5;
  c.failure_penalty = 10.0;
  c.block_coordinate = false;
  gradient_estimator s(c, two_blocks());
  const std::vector<double> theta(8, 0.0);
  std::vector<evaluation> ev(5);
  for (auto& e : ev) e.loss = 1.0;
  auto failed = ev;
  failed[2].status = eval_status::work_budget;
  auto penalised = ev;
  penalised[2].loss = 10.0;
  CHECK(s.estimate_gradient(failed, theta, 0).grad ==
        s.estimate_gradient(penalised, theta, 0).grad);
  for (auto& e : failed) e.status = eval_status::solver_failure;
  CHECK(s.estimate_gradient(failed, theta, 0).usable);  // the penalty still defines a loss
  c.failure_penalty.reset();
  gradient_estimator t(c, two_blocks());
  CHECK_FALSE(t.estimate_gradient(failed, theta, 0).usable);
}

TEST_CASE("invalid strategy settings are input errors") {
  es_config c = written_with();
  c.sigma = 0;
  CHECK_THROWS_WITH_AS(validate(c), "es.sigma must be a positive number", input_error);
  c.sigma = -1;
  CHECK_THROWS_AS(validate(c), input_error);
  c = {};
  c.population = 1;
  CHECK_THROWS_WITH_AS(validate(c), "es.population must be at least 2", input_error);
  c = {};
  c.strategy = "openai";
  c.population = 7;
  CHECK_THROWS_AS(validate(c), input_error);
}
