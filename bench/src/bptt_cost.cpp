// Cost of one BPTT gradient of task B (integrator = fixed) relative to one forward evaluation,
// at paper size by default: N = 128, 50 trials, 50 tokens x 40 steps. Timing only; correctness is
// the unit tests' job (tests/unit/test_evidence_bptt.cpp).
//   usage: esbio_bench_bptt [neurons] [trials] [repeats]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <vector>

#include "esbio/tasks/evidence_task.hpp"

using namespace esbio;

int main(int argc, char** argv) {
  tasks::evidence_config cfg;
  cfg.integrator = tasks::evidence_integrator::fixed;
  cfg.neurons = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 128;
  cfg.trials = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 50;
  const int repeats = std::max(1, argc > 3 ? std::atoi(argv[3]) : 5);
  const tasks::evidence_task description(cfg);
  tasks::evidence_evaluator task(description);
  const auto theta = description.initial_params();
  std::vector<double> grad(theta.size());

  // Process CPU time, not wall time: the work is single-threaded and the machine is shared, so
  // CPU time is what stays comparable between runs.
  const auto cpu = [] {
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
  };
  const auto seconds = [&](auto f) {
    const double t0 = cpu();
    f();
    return cpu() - t0;
  };
  std::vector<double> fwd, bp;
  double loss_f = 0, loss_g = 0;
  task.gradient(theta, 0, grad);  // warm-up: first-touch of the buffers
  for (int r = 0; r < repeats; ++r) {
    const auto g = static_cast<std::uint32_t>(r);
    fwd.push_back(seconds([&] { loss_f = task.evaluate(theta, g, 0).loss; }));
    bp.push_back(seconds([&] { loss_g = task.gradient(theta, g, grad).loss; }));
    if (loss_f != loss_g) std::printf("loss mismatch %.17g vs %.17g\n", loss_f, loss_g);
  }
  std::sort(fwd.begin(), fwd.end());
  std::sort(bp.begin(), bp.end());
  double norm = 0;
  for (double x : grad) norm += x * x;
  std::printf("N=%zu trials=%zu steps=%d repeats=%d\n", cfg.neurons, cfg.trials, 50 * 40, repeats);
  std::printf("CPU seconds\nforward  min %.4f s  median %.4f s\n", fwd.front(),
              fwd[fwd.size() / 2]);
  std::printf("gradient min %.4f s  median %.4f s\n", bp.front(), bp[bp.size() / 2]);
  std::printf("ratio (medians) %.2f   last loss %.6f   |grad| %.4g\n",
              bp[bp.size() / 2] / fwd[fwd.size() / 2], loss_g, std::sqrt(norm));
}
