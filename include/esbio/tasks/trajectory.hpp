#pragma once
// One skeleton for the tasks that fit trajectories (A, C, D): a task supplies, for one
// evaluation, a system bound to theta, its segments (an initial state, a start time and output
// times each: one trajectory for tasks A and D, a batch of windows for task C) and a loss that is
// a sum over the outputs with its derivative dL/dy. The generic code here does the rest: the
// forward solves and the loss for evaluate(), and the checkpointed forward, the loss and the
// backward (adjoint) solve for gradient().

#include <span>

#include "esbio/core/evaluation.hpp"
#include "esbio/ode/integrator.hpp"

namespace esbio::tasks {

struct segment {
  double t0;
  std::span<const double> y0;     // system().size() entries
  std::span<const double> t_out;  // increasing, >= t0
};

class trajectory_problem {
 public:
  virtual ~trajectory_problem() = default;
  virtual ode::system& system() = 0;
  virtual std::size_t segments() const = 0;
  virtual segment segment_at(std::size_t k) const = 0;
  // Add segment k's terms to the running sum from its outputs (t_out.size() x n, row-major). With
  // dl_dy non-empty, also write dL/dy at every output (the same shape) for the adjoint.
  virtual void accumulate(std::size_t k, std::span<const double> outputs, double& sum,
                          std::span<double> dl_dy) const = 0;
  // The loss from the sum over all segments (a mean, say).
  virtual double finish(double sum) const = 0;
  // theta's gradient from the system's dL/dp (parameter_count() entries).
  virtual void gradient_from(std::span<const double> dl_dp, std::span<double> grad) const = 0;
};

// The loss: every segment solved in order; the first failing solve ends the evaluation with its
// status. A non-finite loss is status non_finite.
evaluation solve_trajectories(ode::integrator& solver, trajectory_problem& p);
// The same loss and its gradient by the continuous adjoint, segment by segment; grad is NaN when
// the evaluation failed.
evaluation adjoint_trajectories(ode::integrator& solver, trajectory_problem& p,
                                std::span<double> grad);

}  // namespace esbio::tasks
