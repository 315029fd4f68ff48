#pragma once
// Task A of SPEC.md ("turn off", Hazelden et al. 2023 Fig. 1; code figure_1_neurips.py):
// one Morris-Lecar neuron driven by I = input_scale * W, with W the only trainable parameter
// (initially 0.5: the neuron fires repetitively). Loss: the mean spike indicator
//   L(W) = (1/K) sum_k sigmoid((V(t_k) - 20) * 100),   t_k = K equally spaced times on [0, 500] ms,
// so the goal is silence. The reference code omits 1/C (configure neuron.C = 1) and uses
// EL = -55. The initial state V0 ~ N(-40, 5), w0 ~ N(0.5, 0.1) is drawn once from the run seed;
// with task.heterogeneous every member has its own draw and its own EL ~ N(EL, el_sd), as the
// paper's batched population had.

#include "esbio/models/morris_lecar.hpp"
#include "esbio/tasks/task.hpp"

namespace esbio::tasks {

class turn_off_task final : public task {
 public:
  explicit turn_off_task(const task_config& cfg);

  std::string name() const override { return "turn_off"; }
  const param_layout& layout() const override { return layout_; }
  std::vector<double> initial_params() const override { return {cfg_.w_init}; }
  evaluation evaluate(std::span<const double> theta, std::uint32_t generation,
                      std::uint32_t member = 0) override;
  // t, V, w, the spike indicator T and the stiffness ratio of the Jacobian along the trajectory
  // (|fastest| / |slowest| real part of its eigenvalues; 1 for a complex pair).
  std::vector<named_array> traces(std::span<const double> theta, std::uint32_t generation) override;
  // BP: the continuous adjoint of the mean spike indicator, dL/dW = input_scale dL/dI, for the
  // centre (member 0). This is the gradient the paper found flat: near zero between spikes,
  // huge across them, and growing with the horizon.
  bool has_gradient() const override { return true; }
  evaluation gradient(std::span<const double> theta, std::uint32_t generation,
                      std::span<double> grad) override;

  // V and w at the output times (outputs x 2, row-major) for member's neuron; NaN where the
  // solve failed.
  std::vector<double> trajectory(double w_param, std::uint32_t member = 0);
  const std::vector<double>& times() const { return times_; }

 private:
  struct neuron_setup {
    models::ml_params params;
    double v0, w0;
  };
  neuron_setup setup(std::uint32_t member) const;
  ode::solve_result solve(double w_param, std::uint32_t member, std::vector<double>& out);

  task_config cfg_;
  param_layout layout_;
  std::vector<double> times_, out_;
  models::ml_neuron neuron_;
  ode::integrator solver_;
};

}  // namespace esbio::tasks
