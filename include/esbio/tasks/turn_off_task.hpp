#pragma once
// Task A of the paper ("turn off", Hazelden et al. 2023 Fig. 1; code figure_1_neurips.py):
// one neuron (the paper's Morris-Lecar, or any model of neuron.model: Hodgkin-Huxley's turn-off
// in data/beyond/turn_off_hh.ini) driven by I = input_scale * W, with W the only trainable
// parameter (initially 0.5: the neuron fires repetitively). Loss: the mean spike indicator
//   L(W) = (1/K) sum_k sigmoid((V(t_k) - 20) * 100),   t_k = K equally spaced times on [0, 500] ms,
// so the goal is silence. The reference code omits 1/C (configure neuron.C = 1) and uses
// EL = -55. The initial state V0 ~ N(-40, 5) and, for Morris-Lecar, w0 ~ N(0.5, 0.1) (other
// models start their gates at their steady state at V0) is drawn once from the run seed; with
// task.heterogeneous every member has its own draw and its own EL ~ N(EL, el_sd), as the
// paper's batched population had.

#include <cstdint>
#include <vector>

#include "esbio/core/schema.hpp"
#include "esbio/ode/solver_options.hpp"
#include "esbio/tasks/neuron_spec.hpp"
#include "esbio/tasks/task.hpp"

namespace esbio::tasks {

struct turn_off_config {
  std::uint64_t seed = 0;
  neuron_spec neuron;         // [neuron]
  double horizon = 500;       // ms
  std::size_t outputs = 500;  // equally spaced output times on [0, horizon]
  double input_scale = 100;   // I = input_scale * W
  double w_init = 0.5;
  double v0_mean = -40, v0_sd = 5, w0_mean = 0.5, w0_sd = 0.1;  // initial state, drawn per run
  bool heterogeneous = false;  // each member its own EL and initial state (the paper's setup)
  double el_sd = 2.5;          // spread of EL across members when heterogeneous
  double spike_threshold = 20, spike_gain = 100;  // loss = mean sigmoid((V - thr) * gain)
  ode::solver_options solver;

  // The task's keys ([task], [neuron], [ode]); the defaults are the initialisers above.
  static const esbio::schema<turn_off_config>& schema();
  void validate() const;  // input_error naming the bad setting
};

class turn_off_task final : public task {
 public:
  using config = turn_off_config;
  explicit turn_off_task(turn_off_config cfg);

  std::string name() const override { return "turn_off"; }
  const param_layout& layout() const override { return layout_; }
  std::vector<double> initial_params() const override { return {cfg_.w_init}; }
  // BP: the continuous adjoint of the mean spike indicator, dL/dW = input_scale dL/dI, for the
  // centre (member 0). This is the gradient the paper found flat: near zero between spikes,
  // huge across them, and growing with the horizon.
  bool has_gradient() const override { return true; }
  // Its traces: t, V and each gate (w; m, h, n), the spike indicator T and the stiffness ratio
  // of the Jacobian along the trajectory (|largest| / |smallest| eigenvalue magnitude).
  std::unique_ptr<evaluator> make_evaluator() const override;

  const turn_off_config& config_values() const { return cfg_; }
  const std::vector<double>& times() const { return times_; }
  // A member's neuron: its constants (neuron.model's, in its order) and initial state (V, then the
  // gates), fixed across generations.
  struct neuron_setup {
    std::vector<double> constants, y0;
  };
  neuron_setup setup(std::uint32_t member) const;
  std::size_t states() const { return cfg_.neuron.info().states(); }
  // The states at the output times (outputs x states, row-major) for member's neuron at
  // W = w_param; NaN where the solve failed. A convenience with its own integrator.
  std::vector<double> trajectory(double w_param, std::uint32_t member = 0) const;

 private:
  turn_off_config cfg_;
  param_layout layout_;
  std::vector<double> times_;
};

}  // namespace esbio::tasks
