#pragma once
// Task C of the paper (Hazelden et al. 2023, Fig. 5): learn the cubic spiral with an
// over-parameterised MLP vector field f(y) = W2 tanh(W1 y^3) (models/mlp_field.hpp).
// Truth: models/spiral.hpp solved with BDF at tight tolerance on `points` equally spaced times.
// Batch (per generation, shared by all members): `batch` windows of `window` consecutive points,
// starts drawn without replacement from [0, points - window), each predicted from its true start.
// Loss: mean absolute error over windows, points and both components (the start point included,
// as in the reference code). The validation batch is drawn the same way from a reserved
// generation number, so it is fixed for the run and never used for training.

#include <cstdint>
#include <vector>

#include "esbio/core/schema.hpp"
#include "esbio/models/mlp_field.hpp"
#include "esbio/ode/solver_options.hpp"
#include "esbio/tasks/task.hpp"

namespace esbio::tasks {

struct spiral_config {
  std::uint64_t seed = 0;
  std::size_t hidden = 1000;  // MLP width H
  std::size_t batch = 20;     // windows per generation
  std::size_t window = 10;    // points per window
  std::size_t points = 1000;  // observation times of the true trajectory
  double t_end = 25.0;
  // A batch's windows integrated as one system (a shared step size, the error norm over all of
  // them) instead of one solve each: docs/science.md on what that does to cost and accuracy.
  bool batched_windows = false;
  // The field's arithmetic (models/mlp_field.hpp); the solver stays double either way.
  models::field_precision precision = models::field_precision::float64;
  double truth_rtol = 1e-10, truth_atol = 1e-12;
  ode::solver_options solver;

  // The task's keys ([task], [ode]); the defaults are the initialisers above.
  static const esbio::schema<spiral_config>& schema();
  void validate() const;  // input_error naming the bad setting
};

class spiral_task final : public task {
 public:
  using config = spiral_config;
  explicit spiral_task(spiral_config cfg);

  std::string name() const override { return "spiral"; }
  const param_layout& layout() const override { return layout_; }
  std::vector<double> initial_params() const override;
  // BP: the adjoint through every window (the MAE's subgradient sign(pred - truth) at the outputs).
  bool has_gradient() const override { return true; }
  // Chunks of the batch's windows (separate windows; batched windows are one system), and BP's
  // default of one part per window: a window's adjoint is already a solve of its own.
  std::size_t batch_parts() const override { return cfg_.batched_windows ? 1 : cfg_.batch; }
  std::size_t gradient_parts() const override { return batch_parts(); }
  std::unique_ptr<evaluator> make_evaluator() const override;

  const spiral_config& config_values() const { return cfg_; }
  // The window starts of a generation's batch.
  std::vector<std::size_t> batch_starts(std::uint32_t generation) const;
  const std::vector<double>& truth() const { return truth_; }  // points x 2, row-major
  const std::vector<double>& times() const { return times_; }

 private:
  spiral_config cfg_;
  param_layout layout_;
  std::vector<double> times_, truth_;
};

}  // namespace esbio::tasks
