#pragma once
// The paper's central question made measurable: at one theta, the exact (BP) gradient of the
// centre's loss against ES estimates of it over a grid of sigma and S (every parameter perturbed,
// `repeats` independent draws each), and the BP gradient's norm as a task's horizon grows.
// ES members are spread over the context's ranks like a training generation.

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "esbio/core/evaluation.hpp"
#include "esbio/dist/context.hpp"
#include "esbio/es/es_config.hpp"
#include "esbio/tasks/task.hpp"

namespace esbio::analysis {

struct gradient_grid {
  std::vector<double> sigmas;
  std::vector<std::uint64_t> populations;
  std::size_t repeats = 1;
  std::uint32_t generation = 0;  // whose batch the loss is taken on
};

struct estimate_row {
  double sigma = 0;
  std::uint64_t population = 0;
  std::size_t repeat = 0;
  double es_norm = 0, cosine = 0;
  // The estimate's component along the BP direction over |g_BP|^2: 1 when it is unbiased in
  // that direction, whatever its noise elsewhere.
  double projection = 0;
  std::size_t failures = 0;
};

struct gradient_comparison {
  evaluation bp;  // the BP gradient's evaluation (loss, status, cost)
  std::vector<double> bp_gradient;
  double bp_norm = 0;
  std::vector<estimate_row> rows;  // sigma-major, then S, then repeat
};

// Collective: every rank calls it. BP runs on rank 0 and the rows are filled there; other ranks
// only evaluate members. `base` is the configured strategy (es.strategy, es.baseline, ...); the
// seed of repeat r is seed + 1000003 r.
gradient_comparison compare_gradients(dist::context& ctx, const tasks::task& task,
                                      tasks::evaluator& eval, const es::es_config& base,
                                      std::uint64_t seed, std::span<const double> theta,
                                      const gradient_grid& grid);

struct horizon_row {
  double horizon = 0, bp_norm = 0, loss = 0;
  eval_status status = eval_status::ok;
};
// The BP gradient's norm at theta for the task `make(h)` builds at every horizon h.
std::vector<horizon_row> horizon_sweep(
    const std::function<std::unique_ptr<tasks::task>(double horizon)>& make,
    std::span<const double> horizons, std::span<const double> theta, std::uint32_t generation);

double dot(std::span<const double> a, std::span<const double> b);

}  // namespace esbio::analysis
