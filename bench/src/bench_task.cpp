// Times a task's evaluation of the initial parameters directly, without the trainer's generation
// around it: the best of --reps repetitions (the machine is shared, so the minimum is the least
// disturbed one), with the solver's work and the loss. Any configuration option can follow, as
// for `esbio train`:
//
//   esbio_bench_task --config data/paper/evidence.ini --reps 5 --task.integrator bdf --task.trials
//   1
//
// For task B's fixed-step scheme it also reports the arithmetic rate of the coupling product
// (2 trials N^2 flops per step) and of the whole step (see scheme_flops).
#include <boost/program_options.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <limits>

#include "esbio/core/error.hpp"
#include "esbio/core/random.hpp"
#include "esbio/tasks/evidence_data.hpp"
#include "esbio/tasks/task.hpp"
#include "options.hpp"

namespace po = boost::program_options;
using namespace esbio;

namespace {

// Floating-point operations of one neuron in one step of the paper's scheme
// (ml_network_kernels.cpp), counting +, -, *, / and each of the 4 transcendental calls (2 tanh,
// cosh, exp) as one: an undercount of the libmvec work, which is a few dozen flops each.
constexpr double scheme_neuron_flops = 40;

// Trial 0 of task B's BDF path, solved here with the same drives, initial state and restarts
// as evidence_task::features_bdf, to report what the evaluation does not: the linear solver's
// work.
void bdf_detail(const tasks::task_config& t, std::span<const double> theta,
                const param_layout& layout, std::uint32_t generation) {
  const std::size_t n = t.neurons;
  const auto emb = tasks::evidence_embeddings(t.seed);
  const auto trial = tasks::evidence_batch(t.seed, generation, 1)[0];
  const auto& inp = layout.block("W_inp");
  const auto& rec = layout.block("W_rec");
  std::vector<double> table(tasks::vocabulary * n, 0.0);
  for (int word = 0; word < tasks::vocabulary; ++word)
    for (int d = 0; d < tasks::evidence_embedding; ++d)
      for (std::size_t i = 0; i < n; ++i)
        table[word * n + i] +=
            emb[word * tasks::evidence_embedding + d] * theta[inp.offset + d * n + i];
  auto p = t.network;
  p.neuron = t.neuron;
  models::ml_network net(n, p);
  net.bind_recurrent(theta.subspan(rec.offset, rec.size()));
  std::vector<double> y(net.size(), 0.0), out(net.size());
  random_stream(t.seed, stream::trial_state, generation, 0).fill_normal(std::span(y).first(n));
  for (std::size_t i = 0; i < n; ++i) {
    y[i] = t.trial_v0_mean + t.trial_v0_sd * y[i];
    y[n + i] = t.trial_w0;
  }
  ode::integrator ig(t.solver);
  ode::solve_stats st;
  for (int tok = 0; tok < tasks::evidence_tokens; ++tok) {
    net.set_drive(std::span<const double>(table.data() + trial.tokens[tok] * n, n));
    const std::vector<double> t_out{t.token_ms * (tok + 1)};
    st += ig.solve(net, t.token_ms * tok, y, t_out, out).stats;
    y = out;
  }
  std::printf(
      "trial 0 alone: steps %ld  rhs evals %ld  linear iterations %ld  linear setups %ld  "
      "error test fails %ld  nonlinear conv fails %ld\n",
      st.steps, st.rhs_evals, st.lin_iters, st.lin_setups, st.error_test_fails,
      st.nonlinear_conv_fails);
}

}  // namespace

int main(int argc, char** argv) try {
  po::options_description desc("bench");
  desc.add_options()("config", po::value<std::string>()->default_value(""), "INI file")(
      "reps", po::value<int>()->default_value(5), "repetitions; the minimum time is reported")(
      "generation", po::value<std::uint32_t>()->default_value(1), "which generation's batch");
  po::variables_map vm;
  const auto rest = cli::take_options(desc, std::vector<std::string>(argv + 1, argv + argc), vm);
  const auto path = vm["config"].as<std::string>();
  const auto cfg = cli::to_run_config(
      cli::resolve_settings(path.empty() ? "" : cli::read_config_text(path), path, rest));
  const auto task = tasks::make_task(cfg.task);
  const auto theta = task->initial_params();
  const auto generation = vm["generation"].as<std::uint32_t>();

  // CPU time of this thread as well as wall time: on a shared machine a descheduled process
  // loses wall time but not CPU time.
  const auto cpu_now = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
  };
  double best = std::numeric_limits<double>::infinity(), best_wall = best;
  evaluation ev;
  for (int r = 0; r < vm["reps"].as<int>(); ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = cpu_now();
    ev = task->evaluate(theta, generation, 0);
    best = std::min(best, cpu_now() - c0);
    best_wall = std::min(
        best_wall, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    if (!ev.ok()) {
      std::cerr << "evaluation failed: " << to_string(ev.status) << "\n";
      return 1;
    }
  }
  const auto& t = cfg.task;
  std::printf("task %s  integrator %s  trials %zu  neurons %zu  rtol %g  atol %g\n", t.name.c_str(),
              t.integrator.c_str(), t.trials, t.neurons, t.solver.rtol, t.solver.atol);
  std::printf("best of %d: %.4f s CPU per evaluation (%.4f s wall), %.3f ms CPU per trajectory\n",
              vm["reps"].as<int>(), best, best_wall, 1e3 * best / static_cast<double>(t.trials));
  std::printf("steps %lld  rhs evals %lld  loss %.9f  accuracy %.3f\n",
              static_cast<long long>(ev.steps), static_cast<long long>(ev.rhs_evals), ev.loss,
              ev.accuracy);
  if (t.name == "evidence" && t.integrator == "bdf" && !t.network.kinetic)
    bdf_detail(t, theta, task->layout(), generation);
  if (t.name == "evidence" && t.integrator == "fixed") {
    const double steps = std::round(t.token_ms * 50 / t.dt);  // 50 tokens
    const double n = static_cast<double>(t.neurons), b = static_cast<double>(t.trials);
    const double coupling = 2 * b * n * n * steps, neuron = scheme_neuron_flops * b * n * steps;
    std::printf(
        "fixed-step scheme: %.0f steps; coupling %.2f GFLOP/s, with neuron work %.2f "
        "GFLOP/s\n",
        steps, coupling / best * 1e-9, (coupling + neuron) / best * 1e-9);
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << "esbio_bench_task: " << e.what() << "\n";
  return 2;
}
