#pragma once
// Task D, the stiff neural ODE of Kim et al. 2021 (ROBER.jl): learn Robertson's kinetics
// (models/robertson.hpp) with the scaled MLP field of models/dense_mlp_field.hpp.
// Data: the truth at `observations` times 10^linspace(-5, 5, n), solved with BDF at
// task.truth_rtol and per-species task.truth_atol_species; yscale = per-species max of it.
// Prediction: the field integrated from y(0) = (1, 0, 0) at t = 0 through every observation
// time with the model solver (ode.*; per-component atol from ode.atol_per_component).
// Loss: MAE of prediction / yscale against truth / yscale over all observations and species.
// There is no batch: every generation, and validation, see the whole trajectory (Kim et al.'s
// prefix length rand(50:50) is always 50).
// Parameters: blocks W0, b0, W1, b1, ..., WL, bL (L = task.depth), width task.hidden; theta is
// exactly the field's parameter span, so (df/dp)^T lambda from the field's vjp() is already in
// theta's order.

#include <cstdint>
#include <span>
#include <vector>

#include "esbio/core/schema.hpp"
#include "esbio/models/dense_mlp_field.hpp"
#include "esbio/ode/solver_options.hpp"
#include "esbio/tasks/task.hpp"

namespace esbio::tasks {

struct robertson_config {
  std::uint64_t seed = 0;
  std::size_t hidden = 5;  // the reference width
  std::size_t depth = 6;   // hidden layers
  models::activation activation = models::activation::gelu;
  std::size_t observations = 50;  // times 10^linspace(-5, 5, observations)
  double truth_rtol = 1e-10;
  // Per-species (y1, y2, y3) absolute tolerances of the truth; why these: robertson_task.cpp.
  std::vector<double> truth_atol_species{1e-20, 1e-24, 1e-24};
  ode::solver_options solver;

  // The task's keys ([task], [ode]); the defaults are the initialisers above.
  static const esbio::schema<robertson_config>& schema();
  void validate() const;  // input_error naming the bad setting
};

class robertson_task final : public task {
 public:
  using config = robertson_config;
  explicit robertson_task(robertson_config cfg);

  std::string name() const override { return "robertson"; }
  const param_layout& layout() const override { return layout_; }
  // Flux's Dense default, as in Kim et al.'s code: Glorot-uniform weights
  // U(+-sqrt(6 / (fan_in + fan_out))), zero biases.
  std::vector<double> initial_params() const override;
  // BP: the continuous adjoint of the scaled MAE (subgradient sign(pred - truth) / yscale at the
  // observations); the field's dL/dp is theta's gradient as it stands.
  bool has_gradient() const override { return true; }
  // Its traces: t, truth, prediction (observations x 3), yscale.
  std::unique_ptr<evaluator> make_evaluator() const override;

  const robertson_config& config_values() const { return cfg_; }
  const std::vector<double>& times() const { return times_; }
  const std::vector<double>& truth() const { return truth_; }  // observations x 3, row-major
  const std::vector<double>& yscale() const { return yscale_; }
  // The field's shape (an unbound copy: evaluators own their own).
  const models::dense_mlp_field& field() const { return field_; }

 private:
  robertson_config cfg_;
  param_layout layout_;
  std::vector<double> times_, truth_, yscale_;
  models::dense_mlp_field field_;
};

// Robertson's kinetics from (1, 0, 0) at t = 0, at the given times (observations x 3), with BDF at
// rtol and one absolute tolerance per species. Throws std::runtime_error if the solve fails.
std::vector<double> robertson_truth(std::span<const double> times, double rtol,
                                    std::span<const double> atol);

}  // namespace esbio::tasks
