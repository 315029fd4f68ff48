#pragma once
// The loss along one parameter (the paper's task A landscape): the raw loss on a uniform grid,
// the Gaussian-smoothed loss L_sigma = E[L(theta + sigma eps)] that ES climbs (a convolution over
// the grid), and finite-difference gradients of both.

#include <cstdint>
#include <span>
#include <vector>

#include "esbio/dist/context.hpp"
#include "esbio/tasks/task.hpp"

namespace esbio::analysis {

struct landscape {
  std::vector<double> values, loss, smoothed_loss, gradient, smoothed_gradient;
  std::vector<double> status, solver_steps;  // per point (status as its number)
  std::size_t failures = 0;
};

// Collective: the points spread over the ranks; the result is complete on every rank. Failed
// points have a NaN loss and are skipped by the smoothing.
landscape scan_parameter(dist::context& ctx, tasks::evaluator& eval, std::span<const double> theta,
                         std::size_t position, double from, double to, std::size_t points,
                         double sigma, std::uint32_t generation = 0);

// Gaussian smoothing on a uniform grid of spacing h, renormalised where the kernel leaves the
// grid and skipping non-finite points; sigma = 0 returns y.
std::vector<double> smooth(const std::vector<double>& y, double h, double sigma);
// Central differences inside, one-sided at the ends.
std::vector<double> derivative(const std::vector<double>& y, double h);

}  // namespace esbio::analysis
