#pragma once
// A task maps a parameter vector and a generation to one scalar loss, using forward solves only:
// data generation + model + loss. Tasks are pure functions of their inputs (the configuration,
// the run seed, theta and the generation), which is what makes results independent of which rank
// evaluated what. A task object owns its integrator; each rank builds its own.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "esbio/core/evaluation.hpp"
#include "esbio/core/named_array.hpp"
#include "esbio/core/params.hpp"
#include "esbio/models/ml_network.hpp"
#include "esbio/ode/integrator.hpp"

namespace esbio::tasks {

// Everything a task can be configured with. Fields a task does not use are ignored by it and
// still recorded in the run file.
struct task_config {
  std::string name = "spiral";
  std::uint64_t seed = 0;
  // spiral (task C)
  std::size_t hidden = 1000;  // MLP width H
  std::size_t batch = 20;     // windows per generation
  std::size_t window = 10;    // points per window
  std::size_t points = 1000;  // observation times of the true trajectory
  double t_end = 25.0;
  double truth_rtol = 1e-10, truth_atol = 1e-12;
  // robertson (task D); the MLP width is `hidden` (the reference 5), the truth uses truth_rtol
  std::size_t depth = 6;            // hidden layers
  std::string activation = "gelu";  // gelu | tanh
  std::size_t observations = 50;    // times 10^linspace(-5, 5, observations)
  // Per-species (y1, y2, y3) absolute tolerances of the truth; why these: robertson_task.cpp.
  std::vector<double> truth_atol_species{1e-20, 1e-24, 1e-24};
  // Morris-Lecar constants ([neuron] section), for the neuron tasks
  models::ml_params neuron;
  // turn_off (task A)
  double horizon = 500;       // ms
  std::size_t outputs = 500;  // equally spaced output times on [0, horizon]
  double input_scale = 100;   // I = input_scale * W
  double w_init = 0.5;
  double v0_mean = -40, v0_sd = 5, w0_mean = 0.5, w0_sd = 0.1;  // initial state, drawn per run
  bool heterogeneous = false;  // each member its own EL and initial state (the paper's setup)
  double el_sd = 2.5;          // spread of EL across members when heterogeneous
  double spike_threshold = 20, spike_gain = 100;  // loss = mean sigmoid((V - thr) * gain)
  // evidence (task B)
  std::size_t neurons = 128;
  std::size_t trials = 50;           // batch size, the same trials for every member
  std::string integrator = "fixed";  // fixed (the paper's scheme) | bdf (CVODE)
  double dt = 0.1;                   // ms, fixed-step scheme
  double token_ms = 4.0;             // each token held this long
  double readout_ms = 10.0;          // readout: mean T over the last readout_ms
  bool common_noise = false;
  bool restart_at_tokens = true;  // bdf: re-initialise CVODE at every token boundary, or continue
                                  // // all members share a generation's initial voltages
  double trial_v0_mean = -20, trial_v0_sd = 5, trial_w0 = 0.014173;
  models::network_params network;  // coupling constants ([network]); neuron from [neuron]
  ode::solver_options solver;      // the model solves
};

// The generation number that asks a task for its fixed validation batch: the same data in every
// generation, so the logged validation loss is a smooth learning curve. Training generations never
// reach it.
inline constexpr std::uint32_t validation_generation = 0xFFFFFFFFu;

class task {
 public:
  virtual ~task() = default;
  virtual std::string name() const = 0;
  virtual const param_layout& layout() const = 0;
  virtual std::vector<double> initial_params() const = 0;
  virtual bool classification() const { return false; }
  // Blocks whose exact gradient the task can compute cheaply (a linear readout), and that
  // gradient of the centre's loss on a generation's batch, written into grad at those blocks'
  // offsets. Used for the paper's hybrid protocol (readout by gradient, the rest by ES).
  virtual std::vector<std::string> exact_blocks() const { return {}; }
  virtual bool exact_gradient(std::span<const double> theta, std::uint32_t generation,
                              std::span<double> grad) {
    (void)theta, (void)generation, (void)grad;
    return false;
  }
  // The backpropagation baseline (method = bp): the exact gradient of the centre's loss on a
  // generation's batch, by the continuous adjoint or by BPTT through a fixed-step scheme, written
  // into grad (theta.size() entries). The returned evaluation is evaluate(theta, generation, 0)'s
  // (loss, status, cost); grad is meaningful only when it is ok().
  virtual bool has_gradient() const { return false; }
  virtual evaluation gradient(std::span<const double> theta, std::uint32_t generation,
                              std::span<double> grad);
  // What `esbio simulate` records: the model's trajectories on a generation's batch (or the
  // validation batch) for the centre theta, as named arrays.
  virtual std::vector<named_array> traces(std::span<const double> theta,
                                          std::uint32_t generation) = 0;
  // Loss of theta on the batch of the given generation (the same batch for every member), or on
  // the fixed validation batch. member identifies the population member for tasks whose members
  // differ in more than theta (heterogeneous neurons, per-member initial states); 0 is the centre.
  virtual evaluation evaluate(std::span<const double> theta, std::uint32_t generation,
                              std::uint32_t member = 0) = 0;
};

// Add a solve's cost to ev and, if it failed, record the failure (a status, not an exception).
// Returns whether the solve succeeded.
bool account(evaluation& ev, const ode::solve_result& res);

// ode.atol_per_component must have one entry per state of the task's system (n); throws an
// input_error naming the task otherwise (called by each task's constructor).
void check_atol_components(const task_config& cfg, std::size_t n);

// The most parameters a task may have: the trainer keeps about six vectors of this length per
// rank (theta, a member, optimiser moments, gradients), 0.8 GB at the limit.
inline constexpr std::size_t max_parameters = std::size_t{1} << 24;

// Build the task named in cfg.name; throws input_error for an unknown name, invalid settings or
// more than max_parameters parameters.
std::unique_ptr<task> make_task(const task_config& cfg);
const std::vector<std::string>& task_names();

}  // namespace esbio::tasks
