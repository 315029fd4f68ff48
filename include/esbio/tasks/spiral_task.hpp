#pragma once
// Task C of SPEC.md: learn the cubic spiral with an over-parameterised MLP vector field.
// Truth: models/spiral.hpp solved with BDF at tight tolerance on `points` equally spaced times.
// Batch (per generation, shared by all members): `batch` windows of `window` consecutive points,
// starts drawn without replacement from [0, points - window), each predicted from its true start.
// Loss: mean absolute error over windows, points and both components (the start point included,
// as in the reference code). The validation batch is drawn the same way from a reserved
// generation number, so it is fixed for the run and never used for training.

#include "esbio/models/mlp_field.hpp"
#include "esbio/tasks/task.hpp"

namespace esbio::tasks {

class spiral_task final : public task {
 public:
  explicit spiral_task(const task_config& cfg);

  std::string name() const override { return "spiral"; }
  const param_layout& layout() const override { return layout_; }
  std::vector<double> initial_params() const override;
  evaluation evaluate(std::span<const double> theta, std::uint32_t generation,
                      std::uint32_t member = 0) override;
  // BP: the adjoint through every window (the MAE's subgradient sign(pred - truth) at the outputs).
  bool has_gradient() const override { return true; }
  evaluation gradient(std::span<const double> theta, std::uint32_t generation,
                      std::span<double> grad) override;
  // t, truth and the model's prediction from y(0) over the whole interval, plus the batch's
  // window starts and window predictions.
  std::vector<named_array> traces(std::span<const double> theta, std::uint32_t generation) override;

  // The window starts of a generation's batch (exposed for tests).
  std::vector<std::size_t> batch_starts(std::uint32_t generation) const;
  const std::vector<double>& truth() const { return truth_; }  // points x 2, row-major
  const std::vector<double>& times() const { return times_; }

 private:
  task_config cfg_;
  param_layout layout_;
  std::vector<double> times_, truth_;
  models::cubic_mlp_field field_;
  ode::integrator solver_;
  std::vector<double> window_out_;
  // Every member of a generation uses the same windows: draw them once per generation.
  const std::vector<std::size_t>& starts_of(std::uint32_t generation);
  std::uint32_t starts_generation_ = 0xFFFFFFFEu;
  std::vector<std::size_t> starts_;
};

}  // namespace esbio::tasks
