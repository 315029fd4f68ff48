// Run under mpirun with 1, 2, 3 and 16 ranks (ctest mpi_np1..3, and mpi_np16 for the cases that
// split context produces against the local context computed in the same process: the determinism
// contract says the rank count must not change a single bit.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "esbio/core/error.hpp"
#include "esbio/core/hash.hpp"
#include "esbio/io/data_file.hpp"
#include "esbio/models/network_file.hpp"
#include "esbio/tasks/registry.hpp"
#include "esbio/tasks/spiral_task.hpp"
#include "esbio/train/trainer.hpp"
#include "mpi_fixture.hpp"

using namespace esbio;

namespace {

// A run and its task (the spiral), as the command line would build them.
struct run_setup {
  train::run_config run;
  tasks::spiral_config task;
};

run_setup small_config(std::size_t hidden, ode::method m, ode::nonlinear_solver n) {
  run_setup s;
  auto& c = s.run;
  c.seed = 17;
  c.generations = 20;
  s.task.seed = c.seed;
  s.task.hidden = hidden;
  s.task.solver.lmm = m;
  s.task.solver.nls = n;
  c.es.seed = c.seed;
  c.es.population = 24;
  c.es.sigma = 0.02;
  c.es.baseline = es::baseline_kind::center;
  c.optim.kind = es::optimizer_kind::rmsprop;
  c.optim.lr = 1e-3;
  c.hash_every = 5;
  return s;
}

train::train_state train_with(dist::context& ctx, const run_setup& cfg) {
  const tasks::spiral_task task(cfg.task);
  train::trainer tr(cfg.run, task, ctx);
  auto st = tr.initial_state();
  tr.run(st, nullptr, {}, nullptr);
  return st;
}

}  // namespace

TEST_CASE("every item is evaluated exactly once and placed by index on every rank") {
  auto& ctx = *esbio_test_context;
  for (const auto sched : {dist::schedule{true, 2}, dist::schedule{false, 2},
                           dist::schedule{true, 1}, dist::schedule{true, 5}}) {
    ctx.set_schedule(sched);
    for (std::size_t n : {0u, 1u, 2u, 5u, 37u}) {
      long mine = 0;
      const auto items_before = ctx.items_evaluated();
      const auto out = ctx.evaluate(n, [&](std::size_t i) {
        ++mine;
        evaluation e;
        e.loss = std::sqrt(static_cast<double>(i));
        e.detail = ctx.rank();
        double busy = 0;  // uneven costs exercise the dynamic hand-out
        for (std::size_t k = 0; k < (i % 7) * 20000; ++k) busy += std::sin(static_cast<double>(k));
        e.seconds = busy;  // keeps the busy loop from being optimised away
        return e;
      });
      REQUIRE(out.size() == n);
      long placed_here = 0;
      for (std::size_t i = 0; i < n; ++i) {
        CHECK(out[i].loss == std::sqrt(static_cast<double>(i)));
        placed_here += out[i].detail == ctx.rank();
      }
      CHECK(placed_here == mine);
      CHECK(ctx.items_evaluated() - items_before == static_cast<std::uint64_t>(mine));
      if (ctx.size() >= 2 && ctx.rank() == 0 && !sched.rank0_computes) CHECK(mine == 0);
    }
  }
  ctx.set_schedule({});
}

TEST_CASE("theta after 20 generations is bit-identical to the single-process run") {
  auto& ctx = *esbio_test_context;
  auto local = dist::make_local_context();
  for (auto [m, n] : {std::pair{ode::method::adams, ode::nonlinear_solver::fixed_point},
                      std::pair{ode::method::bdf, ode::nonlinear_solver::newton}}) {
    const auto cfg = small_config(40, m, n);
    const auto reference = train_with(*local, cfg);
    const auto distributed = train_with(ctx, cfg);
    CHECK(distributed.theta == reference.theta);
    CHECK(distributed.optimizer.v == reference.optimizer.v);
    CHECK(ctx.all_equal(fnv1a(distributed.theta)));
    for (std::size_t g = 0; g < 20; ++g)
      CHECK(distributed.history[g].loss == reference.history[g].loss);
  }
}

TEST_CASE("BP with its gradient split over the ranks is bit-identical to the single process") {
  // Task C's gradient in one part per window (20), spread over the ranks and summed in window
  // order: theta and the losses must not depend on the rank count.
  auto& ctx = *esbio_test_context;
  auto local = dist::make_local_context();
  auto cfg = small_config(30, ode::method::adams, ode::nonlinear_solver::fixed_point);
  cfg.run.method = train::training_method::bp;
  cfg.run.generations = 6;
  const auto reference = train_with(*local, cfg);
  const auto distributed = train_with(ctx, cfg);
  CHECK(distributed.theta == reference.theta);
  CHECK(ctx.all_equal(fnv1a(distributed.theta)));
  for (std::size_t g = 0; g < 6; ++g)
    CHECK(distributed.history[g].loss == reference.history[g].loss);
  const tasks::spiral_task task(cfg.task);
  CHECK(reference.theta != task.initial_params());
}

TEST_CASE("ES with a member's windows in 4 work items: bit-identical at any rank count") {
  auto& ctx = *esbio_test_context;
  auto local = dist::make_local_context();
  auto cfg = small_config(30, ode::method::adams, ode::nonlinear_solver::fixed_point);
  cfg.run.generations = 6;
  const auto whole = train_with(*local, cfg);
  cfg.run.items_per_member = 4;  // 20 windows: 5 per item, 4 x 25 items per generation
  const auto reference = train_with(*local, cfg);
  const auto distributed = train_with(ctx, cfg);
  CHECK(distributed.theta == reference.theta);
  CHECK(ctx.all_equal(fnv1a(distributed.theta)));
  for (std::size_t g = 0; g < 6; ++g) {
    CHECK(distributed.history[g].loss == reference.history[g].loss);
    // The same losses as one item per member, up to the order of the sums.
    CHECK(reference.history[g].loss == doctest::Approx(whole.history[g].loss).epsilon(1e-12));
  }
}

TEST_CASE("sum_vectors: every item once, results by index, the sum in index order, bytes exact") {
  auto& ctx = *esbio_test_context;
  for (std::size_t n : {1u, 2u, 5u, 7u}) {
    const std::size_t width = 3;
    const auto before = ctx.bytes_communicated();
    std::vector<double> sum;
    long mine = 0;
    const auto out = ctx.sum_vectors(
        n, width,
        [&](std::size_t i, std::span<double> v) {
          ++mine;
          for (std::size_t k = 0; k < width; ++k) v[k] = 1.0 / double(3 + i + k);  // inexact
          evaluation e;
          e.loss = double(i);
          e.detail = ctx.rank();
          return e;
        },
        sum);
    REQUIRE(out.size() == n);
    std::vector<double> expect(width, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
      CHECK(out[i].loss == double(i));
      CHECK(out[i].detail == static_cast<int>(i % static_cast<std::size_t>(ctx.size())));
      for (std::size_t k = 0; k < width; ++k) expect[k] += 1.0 / double(3 + i + k);
    }
    CHECK(sum == expect);  // bit for bit: the same additions in the same order
    // Rank 0 receives the other ranks' items and broadcasts the sum and all evaluations.
    if (ctx.rank() == 0) {
      const std::size_t p = static_cast<std::size_t>(ctx.size());
      const std::size_t own = (n + p - 1) / p;
      const std::uint64_t expected = (n - own) * (sizeof(evaluation) + width * sizeof(double)) +
                                     (p - 1) * (width * sizeof(double) + n * sizeof(evaluation));
      CHECK(ctx.bytes_communicated() - before == expected);
      CHECK(mine == static_cast<long>(own));
    }
  }
}

TEST_CASE("bytes per generation do not depend on the parameter count, and are exact") {
  auto& ctx = *esbio_test_context;
  for (const bool rank0_computes : {true, false}) {
    CAPTURE(rank0_computes);
    auto small = small_config(50, ode::method::adams, ode::nonlinear_solver::fixed_point);
    auto large = small_config(1000, ode::method::adams, ode::nonlinear_solver::fixed_point);
    small.run.generations = large.run.generations = 6;
    small.run.hash_every = large.run.hash_every = 3;
    small.run.schedule.rank0_computes = large.run.schedule.rank0_computes = rank0_computes;
    const auto before_a = ctx.items_evaluated();
    const auto a = train_with(ctx, small);
    const auto own_a = ctx.items_evaluated() - before_a;
    const auto before_b = ctx.items_evaluated();
    const auto b = train_with(ctx, large);
    const auto own_b = ctx.items_evaluated() - before_b;
    ctx.set_schedule({});
    if (ctx.rank() != 0) continue;
    const auto S = static_cast<std::uint64_t>(small.run.es.population) + 1;  // + validation item
    const auto workers = static_cast<std::uint64_t>(ctx.size() - 1);
    const auto depth = static_cast<std::uint64_t>(small.run.schedule.queue_depth);
    std::uint64_t total_a = 0, total_b = 0, formula = 0;
    for (std::size_t g = 0; g < 6; ++g) {
      const auto ba = static_cast<std::uint64_t>(a.history[g].bytes_communicated);
      const auto bb = static_cast<std::uint64_t>(b.history[g].bytes_communicated);
      total_a += ba;
      total_b += bb;
      // Flag and results broadcasts, the item hand-outs (queue_depth per worker to start,
      // then one per returned result), the returned results, every third generation a hash
      // gather plus verdict: all O(S), none O(parameters).
      const std::uint64_t bcast = workers * (4 + S * sizeof(evaluation));
      const std::uint64_t hash = (g % 3 == 2) ? workers * (8 + 4) : 0;
      const std::uint64_t most =
          ctx.size() == 1 ? 0
                          : bcast + hash + (depth * workers + S) * 8 + S * (8 + sizeof(evaluation));
      formula += most;
      CHECK(ba <= most);
      CHECK(bb <= most);
    }
    // Each item rank 0 evaluates itself saves one hand-out (8 bytes) and one result (8 + 80).
    const std::uint64_t saved = 8 + 8 + sizeof(evaluation);
    if (ctx.size() == 1) {
      CHECK(total_a == 0);
      CHECK(total_b == 0);
    } else {
      CHECK(total_a == formula - saved * own_a);
      CHECK(total_b == formula - saved * own_b);
    }
    if (!rank0_computes && ctx.size() > 1) CHECK(own_a == 0);
  }
}

TEST_CASE("a run resumed from a checkpoint continues bit-identically") {
  auto& ctx = *esbio_test_context;
  auto cfg = small_config(30, ode::method::bdf, ode::nonlinear_solver::newton);
  const auto uninterrupted = train_with(ctx, cfg);

  auto half = cfg;
  half.run.generations = 10;
  auto st = train_with(ctx, half);
  // What rank 0 would read from the run file reaches the others as bytes.
  std::vector<char> bytes = ctx.rank() == 0 ? st.replica_bytes() : std::vector<char>{};
  ctx.broadcast(bytes);
  train::train_state resumed;
  resumed.load_replica_bytes(bytes);
  const tasks::spiral_task task(cfg.task);
  train::trainer tr(cfg.run, task, ctx);
  tr.run(resumed, nullptr, {}, nullptr);
  CHECK(resumed.theta == uninterrupted.theta);
}

TEST_CASE("diverged replicas are detected by the theta hash") {
  auto& ctx = *esbio_test_context;
  auto cfg = small_config(20, ode::method::adams, ode::nonlinear_solver::fixed_point);
  cfg.run.generations = 2;
  cfg.run.hash_every = 1;
  const tasks::spiral_task task(cfg.task);
  train::trainer tr(cfg.run, task, ctx);
  auto st = tr.initial_state();
  // One ulp in a block that generation 0 does not update (W2), so no rounding can hide it.
  const auto k = task.layout().block("W2").offset;
  if (ctx.rank() == ctx.size() - 1) st.theta[k] = std::nextafter(st.theta[k], 1.0);
  if (ctx.size() == 1) {
    CHECK(tr.run(st, nullptr, {}, nullptr) == train::outcome::finished);
  } else {
    CHECK_THROWS_AS(tr.run(st, nullptr, {}, nullptr), consistency_error);
  }
}

namespace {

struct strategy_case {
  std::string strategy;
  std::size_t population;
  const char* task;
  es::noise_kind noise = es::noise_kind::full;
  bool sliced_update = false;
  bool block_coordinate = false;
  bool float32 = false;  // spiral: task.precision = float32
};

train::train_state run_strategy(dist::context& ctx, const strategy_case& c, std::uint32_t gens,
                                train::train_state* resume_from = nullptr) {
  train::run_config r;
  r.seed = 23;
  r.generations = gens;
  r.hash_every = 3;
  r.es.seed = r.seed;
  r.es.strategy = c.strategy;
  r.es.population = c.population;
  r.es.sigma = 0.1;
  r.es.block_coordinate = c.block_coordinate;
  r.sliced_update = c.sliced_update;
  r.es.noise.kind = c.noise;
  r.es.noise.rank = 2;
  r.es.noise.table_size = 4096;
  r.es.baseline = es::baseline_kind::center;
  r.optim.lr = 0.01;
  const std::string name = c.task;
  const auto values =
      name == "spiral"
          ? tasks::task_defaults("spiral", {{"task.hidden", "12"},
                                            {"ode.method", "adams"},
                                            {"ode.nonlinear", "fixedpoint"},
                                            {"task.precision", c.float32 ? "float32" : "float64"}})
          : tasks::task_defaults(name, {{"task.dimension", "12"}});
  const auto task = tasks::make_task(name, values, r.seed);
  train::trainer tr(r, *task, ctx);
  auto st = resume_from ? *resume_from : tr.initial_state();
  tr.run(st, nullptr, {}, nullptr);
  return st;
}

const strategy_case every_strategy[] = {
    {"song", 9, "rosenbrock"},
    {"openai", 8, "rosenbrock"},
    {"snes", 0, "rosenbrock"},
    {"pgpe", 8, "rosenbrock"},
    {"sep_cmaes", 0, "rosenbrock"},
    {"cmaes", 0, "rosenbrock"},
    {"guided", 8, "rosenbrock"},
    {"guided", 8, "spiral"},  // its gradient in 20 parts, one per window
    {"openai", 8, "spiral", es::noise_kind::lowrank},
    {"snes", 0, "spiral", es::noise_kind::lowrank},
    {"song", 9, "spiral", es::noise_kind::table, false, true, true},
    {"pgpe", 8, "rosenbrock", es::noise_kind::table},
};

}  // namespace

TEST_CASE("every strategy: theta and its state bit-identical at any rank count and on resume") {
  auto& ctx = *esbio_test_context;
  auto local = dist::make_local_context();
  for (const auto& c : every_strategy) {
    CAPTURE(c.strategy + " on " + c.task +
            (c.noise == es::noise_kind::lowrank ? " (low-rank noise)" : "") +
            (c.noise == es::noise_kind::table ? " (noise table)" : "") +
            (c.float32 ? " (float32)" : ""));
    const auto reference = run_strategy(*local, c, 12);
    const auto distributed = run_strategy(ctx, c, 12);
    CHECK(distributed.theta == reference.theta);
    CHECK(distributed.search == reference.search);
    CHECK(distributed.optimizer.m == reference.optimizer.m);
    CHECK(reference.theta != run_strategy(*local, c, 1).theta);  // it moved
    // Stopped at 5, the replica bytes to every rank (as --resume does), continued to 12.
    auto half = run_strategy(ctx, c, 5);
    std::vector<char> bytes = ctx.rank() == 0 ? half.replica_bytes() : std::vector<char>{};
    ctx.broadcast(bytes);
    train::train_state resumed;
    resumed.load_replica_bytes(bytes);
    const auto finished = run_strategy(ctx, c, 12, &resumed);
    CHECK(finished.theta == reference.theta);
    CHECK(finished.search == reference.search);
  }
}

TEST_CASE("a sliced update: theta bit-identical to every rank computing the whole update") {
  // dist.update = sliced: each rank estimates 1/P of the coordinates and the estimate is
  // gathered; the reference is the local context, where the whole update is one rank's.
  auto& ctx = *esbio_test_context;
  auto local = dist::make_local_context();
  const strategy_case cases[] = {
      {"song", 9, "spiral", es::noise_kind::full, true, true},
      {"song", 9, "rosenbrock", es::noise_kind::full, true},
      {"openai", 8, "spiral", es::noise_kind::lowrank, true},
      {"song", 9, "spiral", es::noise_kind::table, true, true, true},
      {"openai", 8, "rosenbrock", es::noise_kind::full, true, true},
      {"snes", 0, "rosenbrock", es::noise_kind::full, true},  // does not slice
  };
  for (const auto& c : cases) {
    CAPTURE(c.strategy + " on " + c.task);
    auto replicated = c;
    replicated.sliced_update = false;
    const auto reference = run_strategy(*local, replicated, 8);
    const auto distributed = run_strategy(ctx, c, 8);
    CHECK(distributed.theta == reference.theta);
    CHECK(distributed.optimizer.m == reference.optimizer.m);
    CHECK(ctx.all_equal(fnv1a(distributed.theta)));
    for (std::size_t g = 0; g < 8; ++g)
      CHECK(distributed.history[g].grad_norm == reference.history[g].grad_norm);
  }
}

TEST_CASE("task B: theta bit-identical at any rank count, ES and BP, whole and in parts") {
  // ES (the hybrid protocol) with a member's trials and the readout's exact gradient in 1 or 3
  // parts, BP with the gradient in 1 or 3 parts; the
  // fixed-step scheme in both precisions and the continuous model (adjoint) in float64.
  auto& ctx = *esbio_test_context;
  auto local = dist::make_local_context();
  struct variant {
    const char* integrator;
    const char* precision;
  };
  for (const auto [integrator, precision] :
       {variant{"fixed", "float64"}, variant{"fixed", "float32"}, variant{"bdf", "float64"}}) {
    for (const auto method : {train::training_method::es, train::training_method::bp}) {
      for (const std::uint32_t parts : {1u, 3u}) {
        CAPTURE(std::string(integrator) + " " + precision +
                (method == train::training_method::bp ? " bp" : " es") + " in " +
                std::to_string(parts));
        train::run_config r;
        r.seed = 31;
        r.generations = 4;
        r.hash_every = 2;
        r.method = method;
        r.es.seed = r.seed;
        r.es.population = 6;
        r.es.sigma = 0.05;
        r.es.baseline = es::baseline_kind::none;  // es_config's default when this was written
        r.optim.lr = 0.01;
        r.items_per_member = method == train::training_method::es ? parts : 1;
        // ES as the paper's hybrid protocol: the readout by its exact gradient, in the same parts.
        if (method == train::training_method::es) r.es.exact_blocks = {"W_ro", "b_ro"};
        r.gradient_parts = method == train::training_method::bp ? parts : 1;
        const auto task =
            tasks::make_task("evidence",
                             tasks::task_defaults("evidence", {{"task.neurons", "8"},
                                                               {"task.trials", "4"},
                                                               {"task.integrator", integrator},
                                                               {"task.token_ms", "1"},
                                                               {"task.readout_ms", "5"},
                                                               {"task.precision", precision}}),
                             r.seed);
        const auto run = [&](dist::context& c) {
          train::trainer tr(r, *task, c);
          auto st = tr.initial_state();
          tr.run(st, nullptr, {}, nullptr);
          return st;
        };
        const auto reference = run(*local);
        const auto distributed = run(ctx);
        CHECK(distributed.theta == reference.theta);
        for (std::size_t g = 0; g < 4; ++g) {
          CHECK(distributed.history[g].loss == reference.history[g].loss);
          CHECK(distributed.history[g].accuracy == reference.history[g].accuracy);
        }
        CHECK(reference.theta != train::trainer(r, *task, *local).initial_state().theta);
      }
    }
  }
}

TEST_CASE(
    "Hodgkin-Huxley networks, built in and read from files: bit-identical at any rank count") {
  // Task B of HH neurons on the fixed-step scheme (both precisions) and on BDF, by ES (the hybrid
  // protocol, a member in 2 parts) and by BP; then the same network written out as files and
  // trained as task network; and an ES run stopped after 2 generations and resumed.
  auto& ctx = *esbio_test_context;
  auto local = dist::make_local_context();
  const settings hh = {{"neuron.model", "hodgkin_huxley"},
                       {"task.neurons", "6"},
                       {"task.trials", "3"},
                       {"task.token_ms", "0.6"},
                       {"task.readout_ms", "3"},
                       {"task.dt", "0.05"},
                       {"task.trial_v0_mean", "-65"},
                       {"network.input_gain", "3"},
                       {"network.input_bias", "4.5"},
                       {"network.vt", "0"},
                       {"network.kp", "4"}};
  const auto config = [](train::training_method method, std::uint32_t generations) {
    train::run_config r;
    r.seed = 5;
    r.generations = generations;
    r.hash_every = 2;
    r.method = method;
    r.es.seed = r.seed;
    r.es.population = 6;
    r.es.sigma = 0.05;
    r.es.baseline = es::baseline_kind::none;
    r.optim.lr = 0.01;
    r.items_per_member = method == train::training_method::es ? 2 : 1;
    return r;
  };
  const auto run = [](const train::run_config& r, const tasks::task& task, dist::context& c,
                      train::train_state* from = nullptr) {
    train::trainer tr(r, task, c);
    auto st = from ? *from : tr.initial_state();
    tr.run(st, nullptr, {}, nullptr);
    return st;
  };
  struct variant {
    const char* integrator;
    const char* precision;
  };
  for (const auto [integrator, precision] :
       {variant{"fixed", "float64"}, variant{"fixed", "float32"}, variant{"bdf", "float64"}}) {
    auto values = hh;
    values["task.integrator"] = integrator;
    values["task.precision"] = precision;
    const auto b = tasks::make_task("evidence", tasks::task_defaults("evidence", values), 5);
    for (const auto method : {train::training_method::es, train::training_method::bp}) {
      CAPTURE(std::string(integrator) + " " + precision +
              (method == train::training_method::bp ? " bp" : " es"));
      auto r = config(method, 3);
      if (method == train::training_method::es) r.es.exact_blocks = {"W_ro", "b_ro"};
      const auto reference = run(r, *b, *local);
      CHECK(run(r, *b, ctx).theta == reference.theta);
      CHECK(reference.theta != train::trainer(r, *b, *local).initial_state().theta);
    }
  }

  // Files: each rank writes its own copy (same bytes), so no rank waits on another's writes.
  const auto b = tasks::make_task("evidence", tasks::task_defaults("evidence", hh), 5);
  const auto stem = (std::filesystem::temp_directory_path() /
                     ("esbio_mpi_" + std::to_string(::getpid()) + "_" + std::to_string(ctx.rank())))
                        .string();
  const auto net = stem + "_net.h5", data = stem + "_data.h5";
  io::write_data_file(net, models::network_tree(b->network_at(b->initial_params())));
  io::write_data_file(data, b->trials_as_dataset(4));
  const auto files =
      tasks::make_task("network",
                       tasks::task_defaults("network", {{"task.network", net},
                                                        {"task.data", data},
                                                        {"task.trials", "3"},
                                                        {"task.dt", "0.05"},
                                                        {"task.batches", "sequential"}}),
                       5);
  auto r = config(train::training_method::es, 4);
  r.es.exact_blocks = {"readout.W", "readout.b"};
  const auto reference = run(r, *files, *local);
  CHECK(run(r, *files, ctx).theta == reference.theta);

  auto half = r;
  half.generations = 2;
  auto st = run(half, *files, ctx);
  std::vector<char> bytes = ctx.rank() == 0 ? st.replica_bytes() : std::vector<char>{};
  ctx.broadcast(bytes);
  train::train_state resumed;
  resumed.load_replica_bytes(bytes);
  CHECK(run(r, *files, ctx, &resumed).theta == reference.theta);
  std::filesystem::remove(net);
  std::filesystem::remove(data);
}
