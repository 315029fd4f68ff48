// The ES engine (es/search.hpp): one generation of every strategy against a hand computation of
// its published update from the same samples, to 1e-12; failures ranked below every success;
// convergence on benchmark functions within published budgets; checkpoint state round trips.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "esbio/dist/context.hpp"
#include "esbio/es/search.hpp"
#include "esbio/es/shaping.hpp"
#include "esbio/tasks/benchmark_task.hpp"
#include "esbio/tasks/registry.hpp"
#include "esbio/train/trainer.hpp"

using namespace esbio;
using namespace esbio::es;

namespace {

param_layout one_block(std::size_t n) {
  param_layout l;
  l.add("x", n, 1);
  return l;
}

es_config joint(const std::string& k, std::size_t population, double sigma = 0.3) {
  es_config c;
  c.strategy = k;
  c.population = population;
  c.sigma = sigma;
  c.baseline = baseline_kind::none;  // es_config's default when these tests were written
  c.block_coordinate = false;
  c.seed = 42;
  return c;
}

optimizer sgd(std::size_t p, std::size_t ranges, double lr = 0.1) {
  optimizer_config o;
  o.kind = optimizer_kind::sgd;
  o.lr = lr;
  return optimizer(o, p, ranges);
}

// The members of generation g and made-up losses: a fixed quadratic, so that the ranking is
// arbitrary but determined.
struct generation {
  std::vector<std::vector<double>> x;
  std::vector<evaluation> evals;
};
generation run_members(const search& s, const std::vector<double>& theta, const search_state& st,
                       std::uint32_t g) {
  generation out;
  const std::size_t n = s.evaluations(st);
  for (std::size_t m = 0; m < n; ++m) {
    std::vector<double> x(theta.size());
    s.ask(theta, st, g, m, x);
    evaluation e;
    e.loss = 0;
    for (std::size_t i = 0; i < x.size(); ++i)
      e.loss += (static_cast<double>(i) + 1) * (x[i] - 0.7) * (x[i] - 0.7);
    out.x.push_back(x);
    out.evals.push_back(e);
  }
  return out;
}

// Sample indices 1..n sorted by loss (best first).
std::vector<std::size_t> by_loss(const std::vector<evaluation>& e) {
  std::vector<std::size_t> order(e.size() - 1);
  std::iota(order.begin(), order.end(), std::size_t{1});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return e[a].loss < e[b].loss; });
  return order;
}

void close(const std::vector<double>& a, const std::vector<double>& b, double tol = 1e-12) {
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i] == doctest::Approx(b[i]).epsilon(tol));
}

}  // namespace

TEST_CASE("song and openai: one generation is the paper's estimate stepped by the optimiser") {
  const std::size_t n = 3;
  for (const std::string k : {"song", "openai"}) {
    CAPTURE(k);
    auto cfg = joint(k, 4);
    cfg.baseline = baseline_kind::center;
    const auto s = make_search(cfg, one_block(n));
    std::vector<double> theta{0.1, -0.2, 0.4};
    auto st = s->initial(theta);
    const auto gen = run_members(*s, theta, st, 4);
    std::vector<double> g(n, 0.0), want = theta;
    if (k == "song") {
      REQUIRE(gen.x.size() == 4);  // the centre and three samples: S includes the centre
      for (std::size_t m = 1; m < 4; ++m)
        for (std::size_t i = 0; i < n; ++i)
          g[i] +=
              (gen.evals[m].loss - gen.evals[0].loss) * (gen.x[m][i] - theta[i]) / 0.3 / (4 * 0.3);
    } else {
      REQUIRE(gen.x.size() == 5);  // the centre and two mirrored pairs
      std::vector<double> u(4);
      for (std::size_t a = 0; a < 4; ++a) {
        double rank = 0;
        for (std::size_t b = 0; b < 4; ++b) rank += gen.evals[b + 1].loss < gen.evals[a + 1].loss;
        u[a] = rank / 3.0 - 0.5;
      }
      for (std::size_t p = 0; p < 2; ++p)
        for (std::size_t i = 0; i < n; ++i)
          g[i] += (u[2 * p] - u[2 * p + 1]) * (gen.x[2 * p + 1][i] - theta[i]) / 0.3 / (4 * 0.3);
    }
    for (std::size_t i = 0; i < n; ++i) want[i] -= 0.1 * g[i];
    auto opt = sgd(n, s->range_count());
    update(*s, theta, st, opt, 4, gen.evals);
    close(theta, want);
  }
}

TEST_CASE("snes: one generation is Schaul et al.'s separable natural-gradient step") {
  const std::size_t n = 3, lambda = 4;
  const auto s = make_search(joint("snes", lambda), one_block(n));
  std::vector<double> theta{0.1, -0.2, 0.4};
  auto st = s->initial(theta);
  REQUIRE(s->evaluations(st) == lambda + 1);
  const auto gen = run_members(*s, theta, st, 3);
  // The hand computation: z from the samples, utilities of the ranks.
  const double top = std::log(lambda / 2.0 + 1);
  double total = 0;
  for (std::size_t k = 1; k <= lambda; ++k) total += std::max(0.0, top - std::log(double(k)));
  std::vector<double> mu = theta, sigma(n, 0.3);
  std::vector<double> gmu(n, 0.0), gsig(n, 0.0);
  const auto order = by_loss(gen.evals);
  for (std::size_t r = 0; r < lambda; ++r) {
    const double u = std::max(0.0, top - std::log(double(r + 1))) / total - 1.0 / lambda;
    for (std::size_t i = 0; i < n; ++i) {
      const double z = (gen.x[order[r]][i] - theta[i]) / 0.3;
      gmu[i] += u * z;
      gsig[i] += u * (z * z - 1);
    }
  }
  const double eta_sigma = (3 + std::log(3.0)) / (5 * std::sqrt(3.0));
  for (std::size_t i = 0; i < n; ++i) {
    mu[i] += 0.3 * gmu[i];
    sigma[i] *= std::exp(0.5 * eta_sigma * gsig[i]);
  }
  auto opt = sgd(n, s->range_count());
  update(*s, theta, st, opt, 3, gen.evals);
  close(theta, mu);
  close(st.to_record().at("sigma"), sigma);
}

TEST_CASE("pgpe: symmetric pairs, centred ranks, sigma moved by at most 20 %") {
  const std::size_t n = 3, pairs = 2;
  const auto s = make_search(joint("pgpe", 2 * pairs), one_block(n));
  std::vector<double> theta{0.1, -0.2, 0.4};
  auto st = s->initial(theta);
  const auto gen = run_members(*s, theta, st, 5);
  for (std::size_t i = 0; i < n; ++i)  // members 2k-1 and 2k mirror each other
    CHECK(gen.x[1][i] - theta[i] == doctest::Approx(theta[i] - gen.x[2][i]).epsilon(1e-15));
  // Centred ranks of the four samples: rank/(4 - 1) - 1/2.
  std::vector<double> loss;
  for (std::size_t m = 1; m <= 2 * pairs; ++m) loss.push_back(gen.evals[m].loss);
  std::vector<double> u(loss.size());
  for (std::size_t a = 0; a < loss.size(); ++a) {
    double rank = 0;
    for (std::size_t b = 0; b < loss.size(); ++b) rank += loss[b] < loss[a] ? 1 : 0;
    u[a] = rank / 3.0 - 0.5;
  }
  std::vector<double> gmu(n, 0.0), gsig(n, 0.0), mu = theta, sigma(n, 0.3);
  for (std::size_t k = 0; k < pairs; ++k)
    for (std::size_t i = 0; i < n; ++i) {
      const double eps = gen.x[2 * k + 1][i] - theta[i];
      gmu[i] += 0.5 * (u[2 * k] - u[2 * k + 1]) * eps / pairs;
      gsig[i] += 0.5 * (u[2 * k] + u[2 * k + 1]) * (eps * eps - 0.09) / 0.3 / pairs;
    }
  for (std::size_t i = 0; i < n; ++i) {
    mu[i] -= 0.1 * gmu[i];
    sigma[i] = std::clamp(0.3 - 0.1 * gsig[i], 0.3 * 0.8, 0.3 * 1.2);
  }
  auto opt = sgd(n, s->range_count());
  update(*s, theta, st, opt, 5, gen.evals);
  close(theta, mu);
  close(st.to_record().at("sigma"), sigma);
}

namespace {
// One CMA-ES generation by the tutorial's formulas (positive weights), from the samples.
struct cma_expect {
  std::vector<double> m, ps, pc, c;
  double sigma;
};
cma_expect cma_by_hand(const generation& gen, const std::vector<double>& m0, double sigma0,
                       std::size_t lambda, bool sep) {
  const std::size_t n = m0.size(), mu = lambda / 2;
  const double nd = static_cast<double>(n);
  std::vector<double> w;
  for (std::size_t i = 1; i <= mu; ++i)
    w.push_back(std::log(static_cast<double>(lambda + 1) / 2.0) - std::log(double(i)));
  const double ws = std::accumulate(w.begin(), w.end(), 0.0);
  double w2 = 0;
  for (double& x : w) x /= ws, w2 += x * x;
  const double mueff = 1 / w2;
  const double cs = (mueff + 2) / (nd + mueff + 5);
  const double ds = 1 + 2 * std::max(0.0, std::sqrt((mueff - 1) / (nd + 1)) - 1) + cs;
  const double cc = (4 + mueff / nd) / (nd + 4 + 2 * mueff / nd);
  double c1 = 2 / ((nd + 1.3) * (nd + 1.3) + mueff);
  double cmu = std::min(1 - c1, 2 * (mueff - 2 + 1 / mueff) / ((nd + 2) * (nd + 2) + mueff));
  if (sep) c1 *= (nd + 2) / 3, cmu = std::min(1 - c1, cmu * (nd + 2) / 3);
  const double chi = std::sqrt(nd) * (1 - 1 / (4 * nd) + 1 / (21 * nd * nd));
  const auto order = by_loss(gen.evals);
  std::vector<std::vector<double>> y(mu, std::vector<double>(n));
  std::vector<double> yw(n, 0.0);
  for (std::size_t i = 0; i < mu; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      y[i][j] = (gen.x[order[i]][j] - m0[j]) / sigma0;
      yw[j] += w[i] * y[i][j];
    }
  cma_expect e;
  e.m = m0;
  e.ps.assign(n, 0.0);
  e.pc.assign(n, 0.0);
  for (std::size_t j = 0; j < n; ++j) {
    e.m[j] += sigma0 * yw[j];
    e.ps[j] = std::sqrt(cs * (2 - cs) * mueff) * yw[j];  // C = I: C^-1/2 y_w = y_w
  }
  double psn = 0;
  for (double v : e.ps) psn += v * v;
  psn = std::sqrt(psn);
  const double hs = psn / std::sqrt(1 - std::pow(1 - cs, 2)) < (1.4 + 2 / (nd + 1)) * chi ? 1 : 0;
  for (std::size_t j = 0; j < n; ++j) e.pc[j] = hs * std::sqrt(cc * (2 - cc) * mueff) * yw[j];
  const double keep = 1 - c1 - cmu + (1 - hs) * c1 * cc * (2 - cc);
  if (sep) {
    e.c.assign(n, 0.0);
    for (std::size_t j = 0; j < n; ++j) {
      double r = 0;
      for (std::size_t i = 0; i < mu; ++i) r += w[i] * y[i][j] * y[i][j];
      e.c[j] = keep + c1 * e.pc[j] * e.pc[j] + cmu * r;
    }
  } else {
    e.c.assign(n * n, 0.0);
    for (std::size_t a = 0; a < n; ++a)
      for (std::size_t b = 0; b < n; ++b) {
        double r = 0;
        for (std::size_t i = 0; i < mu; ++i) r += w[i] * y[i][a] * y[i][b];
        e.c[a * n + b] = (a == b ? keep : 0.0) + c1 * e.pc[a] * e.pc[b] + cmu * r;
      }
  }
  e.sigma = sigma0 * std::exp(cs / ds * (psn / chi - 1));
  return e;
}
}  // namespace

TEST_CASE("sep-CMA-ES and CMA-ES: one generation is the tutorial's update from the samples") {
  for (const bool sep : {true, false}) {
    CAPTURE(sep);
    const std::size_t n = 3, lambda = 5;
    const auto s = make_search(joint(sep ? "sep_cmaes" : "cmaes", lambda), one_block(n));
    std::vector<double> theta{0.1, -0.2, 0.4};
    auto st = s->initial(theta);
    REQUIRE(s->evaluations(st) == lambda + 1);
    const auto gen = run_members(*s, theta, st, 0);
    const auto want = cma_by_hand(gen, theta, 0.3, lambda, sep);
    auto opt = sgd(n, s->range_count());
    update(*s, theta, st, opt, 0, gen.evals);
    close(theta, want.m);
    close(st.to_record().at("ps"), want.ps);
    close(st.to_record().at("pc"), want.pc);
    close(st.to_record().at("C"), want.c);
    CHECK(st.to_record().at("sigma")[0] == doctest::Approx(want.sigma).epsilon(1e-12));
  }
}

TEST_CASE("guided ES: noise in the gradient's direction, the paper's antithetic estimate") {
  const std::size_t n = 3, pairs = 2;
  auto cfg = joint("guided", 2 * pairs, 0.2);
  const auto s = make_search(cfg, one_block(n));
  std::vector<double> theta{0.1, -0.2, 0.4};
  auto st = s->initial(theta);
  const std::vector<double> grad{3.0, 0.0, 4.0};
  s->observe_gradient(st, grad);
  close(st.to_record().at("U"), {0.6, 0.0, 0.8});  // the normalised gradient spans the subspace
  const auto gen = run_members(*s, theta, st, 2);
  std::vector<double> g(n, 0.0), want = theta;
  for (std::size_t k = 0; k < pairs; ++k)
    for (std::size_t i = 0; i < n; ++i) {
      const double eps = gen.x[2 * k + 1][i] - theta[i];
      g[i] +=
          2.0 / (2 * 0.04 * pairs) * eps * (gen.evals[2 * k + 1].loss - gen.evals[2 * k + 2].loss);
    }
  for (std::size_t i = 0; i < n; ++i) want[i] -= 0.1 * g[i];
  auto opt = sgd(n, s->range_count());
  update(*s, theta, st, opt, 2, gen.evals);
  close(theta, want);
  // With alpha = 0 all the noise lies in the subspace: every sample moves along the gradient.
  cfg.options.emplace("es.guided_alpha", "0");
  const auto along = make_search(cfg, one_block(n));
  auto sa = along->initial(theta);
  along->observe_gradient(sa, grad);
  std::vector<double> x(n);
  along->ask(theta, sa, 0, 1, x);
  CHECK((x[0] - theta[0]) * 0.8 == doctest::Approx((x[2] - theta[2]) * 0.6).epsilon(1e-12));
  CHECK(x[1] == doctest::Approx(theta[1]).epsilon(1e-15));
}

TEST_CASE("failures rank below every success for every strategy") {
  // The same generation twice: once with members 2 and 3 failed, once with them given a loss
  // above every success. Rank-based strategies must take the same step from both.
  for (const std::string k : {"snes", "pgpe", "sep_cmaes", "cmaes", "openai"}) {
    CAPTURE(k);
    const std::size_t n = 4;
    const auto s = make_search(joint(k, 6), one_block(n));
    std::vector<double> theta{0.1, -0.2, 0.4, 0.0};
    auto st = s->initial(theta);
    const auto gen = run_members(*s, theta, st, 1);
    auto failed = gen.evals, worse = gen.evals;
    for (std::size_t m : {2u, 3u}) {
      failed[m].status = eval_status::solver_failure;
      failed[m].loss = std::nan("");
      worse[m].loss = 1e300 + static_cast<double>(m);  // worst, in member order like the ranking
    }
    auto ta = theta, tb = theta;
    auto sa = st, sb = st;
    auto oa = sgd(n, s->range_count()), ob = sgd(n, s->range_count());
    const auto a = update(*s, ta, sa, oa, 1, failed);
    update(*s, tb, sb, ob, 1, worse);
    CHECK(a.failures == 2);
    CHECK(ta == tb);
    CHECK(sa == sb);
    CHECK(ta != theta);  // failures did not stop the step
  }
}

TEST_CASE("an antithetic pair with one failed half: the failed half takes the failure loss") {
  const std::size_t n = 3;
  auto cfg = joint("guided", 4, 0.2);
  const auto s = make_search(cfg, one_block(n));
  std::vector<double> theta{0.1, -0.2, 0.4};
  auto st = s->initial(theta);
  const auto gen = run_members(*s, theta, st, 0);
  auto failed = gen.evals;
  failed[2].status = eval_status::work_budget;
  double worst = -1e300, best = 1e300;
  for (std::size_t m = 1; m < failed.size(); ++m)
    if (failed[m].ok())
      worst = std::max(worst, failed[m].loss), best = std::min(best, failed[m].loss);
  auto substituted = gen.evals;
  substituted[2].loss = failure_loss(std::nullopt, true, worst, best);
  auto ta = theta, tb = theta;
  auto sa = st, sb = st;
  auto oa = sgd(n, s->range_count()), ob = sgd(n, s->range_count());
  update(*s, ta, sa, oa, 0, failed);
  update(*s, tb, sb, ob, 0, substituted);
  CHECK(ta == tb);
}

namespace {
// Run a benchmark task with one strategy; returns the history.
std::vector<train::history_row> optimise(const std::string& task, std::size_t dim,
                                         const std::string& k, std::size_t population, double sigma,
                                         std::uint32_t generations) {
  train::run_config c;
  c.generations = generations;
  c.checkpoint_every = 0;
  c.es = joint(k, population, sigma);
  const auto t = tasks::make_task(
      task, tasks::task_defaults(task, {{"task.dimension", std::to_string(dim)}}), 0);
  auto ctx = dist::make_local_context();
  train::trainer tr(c, *t, *ctx);
  auto st = tr.initial_state();
  REQUIRE(tr.run(st, nullptr, {}, nullptr) == train::outcome::finished);
  return st.history;
}
std::int64_t evaluations_until(const std::vector<train::history_row>& h, double level) {
  std::int64_t used = 0;
  for (const auto& r : h) {
    used += r.evaluations;
    if (r.loss < level) return used;
  }
  return -1;
}
}  // namespace

TEST_CASE("CMA-ES reaches f < 1e-8 on 10-D Rosenbrock within pycma's budget of about 1e4") {
  const auto h = optimise("rosenbrock", 10, "cmaes", 0, 0.5, 1200);
  const auto used = evaluations_until(h, 1e-8);
  MESSAGE("CMA-ES, 10-D Rosenbrock from 0: f < 1e-8 after " << used << " evaluations");
  CHECK(used > 0);
  CHECK(used <= 10000);
}

TEST_CASE("sep-CMA-ES and SNES shrink a 100-D sphere by 1e-6") {
  for (const std::string k : {"sep_cmaes", "snes"}) {
    CAPTURE(k);
    const auto h = optimise("sphere", 100, k, 0, 1.0, 1500);
    const auto used = evaluations_until(h, 1e-6 * h.front().loss);
    MESSAGE(k << ", 100-D sphere from 3: f below 1e-6 f0 after " << used << " evaluations");
    CHECK(used > 0);
  }
}

TEST_CASE("IPOP restarts: a stalled CMA-ES starts again from x0 with twice the population") {
  train::run_config c;
  c.generations = 400;
  c.checkpoint_every = 0;
  c.es = joint("cmaes", 6, 0.5);
  c.es.options.emplace("es.restarts", "2");
  const auto t =
      tasks::make_task("sphere", tasks::task_defaults("sphere", {{"task.dimension", "3"}}), 0);
  auto ctx = dist::make_local_context();
  train::trainer tr(c, *t, *ctx);
  auto st = tr.initial_state();
  tr.run(st, nullptr, {}, nullptr);
  CHECK(st.search.to_record().at("restarts")[0] == 2);
  CHECK(st.search.to_record().at("lambda")[0] == 24);
  CHECK(st.history.back().evaluations == 25);
}

TEST_CASE("low-rank noise: E = A B^T / sqrt(r) on matrix blocks, full noise on vectors") {
  param_layout l;
  l.add("W", 4, 5).add("b", 4, 1);
  noise_spec spec{noise_kind::lowrank, 2};
  std::vector<double> e(l.size());
  member_noise(7, 3, 1, l.blocks(), spec, e);
  // A 4 x 5 matrix of rank at most 2: every 3 x 3 minor vanishes.
  const auto at = [&](std::size_t i, std::size_t j) { return e[i * 5 + j]; };
  const double minor = at(0, 0) * (at(1, 1) * at(2, 2) - at(1, 2) * at(2, 1)) -
                       at(0, 1) * (at(1, 0) * at(2, 2) - at(1, 2) * at(2, 0)) +
                       at(0, 2) * (at(1, 0) * at(2, 1) - at(1, 1) * at(2, 0));
  CHECK(std::abs(minor) < 1e-12);
  // The vector block is the full stream's first variates.
  std::vector<double> full(4);
  member_noise(7, 3, 1, std::span<const param_block>(&l.blocks()[1], 1), {}, full);
  for (std::size_t i = 0; i < 4; ++i) CHECK(e[20 + i] == full[i]);
  // Entries have unit variance: over many members the mean square approaches 1.
  double ms = 0;
  for (std::uint32_t id = 1; id <= 400; ++id) {
    member_noise(7, 3, id, l.blocks(), spec, e);
    for (std::size_t k = 0; k < 20; ++k) ms += e[k] * e[k] / (400.0 * 20);
  }
  CHECK(ms == doctest::Approx(1.0).epsilon(0.05));
}

TEST_CASE("an estimating strategy's estimate slices where its traits say so, and only there") {
  const std::size_t n = 5;
  for (const auto& k : strategies()) {
    CAPTURE(k.name);
    auto cfg = joint(k.name, 6);
    const auto s = make_search(cfg, one_block(n));
    REQUIRE((s->estimating() != nullptr) != (s->direct() != nullptr));
    // The direct ones take no optimiser; every gradient-stepping one estimates.
    CHECK((s->direct() == nullptr) ==
          (k.name != "snes" && k.name != "sep_cmaes" && k.name != "cmaes"));
    const auto* e = s->estimating();
    if (!e) continue;
    std::vector<double> theta{0.1, -0.2, 0.4, 0.0, 0.3};
    auto st = s->initial(theta);
    if (k.traits.wants_gradient) s->observe_gradient(st, std::vector<double>{1, 0, 2, 0, 0});
    const auto gen = run_members(*s, theta, st, 3);
    const std::size_t size = e->estimate_size(3);
    std::vector<double> whole(size, 0.0), sliced(size, 0.0);
    e->estimate(theta, st, 3, gen.evals, 0, size, whole);
    if (k.traits.sliced_update) {
      for (std::size_t lo = 0; lo < size; lo += 2)
        e->estimate(theta, st, 3, gen.evals, lo, std::min(size, lo + 2), sliced);
      CHECK(sliced == whole);
    } else {
      CHECK_THROWS_AS(e->estimate(theta, st, 3, gen.evals, 0, size - 1, sliced), std::logic_error);
    }
    // The whole estimate, applied, is update()'s step.
    auto ta = theta, tb = theta;
    auto sa = st, sb = st;
    auto oa = sgd(n, s->range_count()), ob = sgd(n, s->range_count());
    e->apply(ta, sa, oa, 3, gen.evals, whole);
    update(*s, tb, sb, ob, 3, gen.evals);
    CHECK(ta == tb);
    CHECK(sa == sb);
    CHECK(ta != theta);
  }
}
