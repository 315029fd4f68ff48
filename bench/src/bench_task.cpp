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
#include "esbio/tasks/registry.hpp"
#include "options.hpp"

namespace po = boost::program_options;
using namespace esbio;

namespace {

// Floating-point operations of one neuron in one step of the paper's scheme
// (morris_lecar.hpp, network_of.hpp), counting +, -, *, / and each of the 4 transcendental calls (2
// tanh, cosh, exp) as one: an undercount of the libmvec work, which is a few dozen flops each.
constexpr double scheme_neuron_flops = 40;

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
  const auto task = tasks::make_task(cfg.task, cfg.values, cfg.seed);
  const auto eval = task->make_evaluator();
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
    ev = eval->evaluate(theta, generation, 0);
    best = std::min(best, cpu_now() - c0);
    best_wall = std::min(
        best_wall, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    if (!ev.ok()) {
      std::cerr << "evaluation failed: " << to_string(ev.status) << "\n";
      return 1;
    }
  }
  const auto& v = cfg.values;
  const auto value = [&](const char* key) { return v.count(key) ? v.at(key) : std::string("-"); };
  const bool evidence = cfg.task == "evidence";
  const double trials = evidence ? std::stod(v.at("task.trials")) : 1.0;
  std::printf("task %s  integrator %s  trials %s  neurons %s  rtol %s  atol %s\n", cfg.task.c_str(),
              value("task.integrator").c_str(), value("task.trials").c_str(),
              value("task.neurons").c_str(), value("ode.rtol").c_str(), value("ode.atol").c_str());
  std::printf("best of %d: %.4f s CPU per evaluation (%.4f s wall), %.3f ms CPU per trajectory\n",
              vm["reps"].as<int>(), best, best_wall, 1e3 * best / trials);
  std::printf("steps %lld  rhs evals %lld  loss %.9f  accuracy %.3f\n",
              static_cast<long long>(ev.steps), static_cast<long long>(ev.rhs_evals), ev.loss,
              ev.accuracy);
  std::printf(
      "linear iterations %lld  linear setups %lld  error test fails %lld  nonlinear conv fails "
      "%lld\n",
      static_cast<long long>(ev.lin_iters), static_cast<long long>(ev.lin_setups),
      static_cast<long long>(ev.error_test_fails), static_cast<long long>(ev.nonlinear_fails));
  if (evidence && v.at("task.integrator") == "fixed") {
    const double steps =
        std::round(std::stod(v.at("task.token_ms")) * 50 / std::stod(v.at("task.dt")));
    const double n = std::stod(v.at("task.neurons")), b = trials;
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
