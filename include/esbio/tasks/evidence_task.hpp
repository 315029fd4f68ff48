#pragma once
// Task B of docs/science.md 2.2 (evidence integration, Hazelden et al. 2023 Fig. 3): a recurrent
// network of N Morris-Lecar neurons (models/network.hpp) reads 50 tokens
// (tasks/evidence_data.hpp), each held token_ms, and a linear readout of the mean output T over the
// last readout_ms gives three logits: logits = W_ro mean_t T(V(t)) + b_ro. Loss: mean cross-entropy
// over the batch; accuracy: argmax against the label. Parameters: W_inp (50 x N), W_rec (N x N),
// W_ro (3 x N), b_ro (3 x 1), initialised as the reference code did: W_inp, W_ro ~ U(0.1 +- 1/sqrt
// N), b_ro ~ U(+-1/sqrt N), W_rec ~ U(0.001 +- 1/sqrt N) with each entry set to 0.001 with
// probability 0.2. Initial state per trial and neuron: V0 = -20 + N(0, 5^2), w0 = 0.014173, drawn
// per generation and member (the paper's fresh draws), or per generation only with
// task.common_noise. Integrators: the paper's fixed-step scheme (dt = 0.1, lagged coupling, T0 = 0,
// the readout the mean over the last readout_ms/dt steps) or CVODE BDF on the continuous model,
// stopped at every token boundary, the readout the mean of T at the same instants.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>

#include "esbio/core/schema.hpp"
#include "esbio/models/network.hpp"
#include "esbio/ode/integrator.hpp"
#include "esbio/tasks/evidence_data.hpp"
#include "esbio/tasks/network_evaluator.hpp"
#include "esbio/tasks/neuron_spec.hpp"
#include "esbio/tasks/task.hpp"

namespace esbio::tasks {

// The paper's scheme or CVODE, and the scheme's arithmetic (network_evaluator.hpp).
using evidence_integrator = network_integrator;
using evidence_precision = network_precision;

// [network] and [neuron]: what task B's network_description is built from.
struct evidence_network {
  // [neuron]: the paper's Morris-Lecar (C = 20, EL = -60), or any model of neuron.model
  // (data/beyond/evidence_hh.ini: Hodgkin-Huxley, with a gain and offset for its current scale).
  neuron_spec neuron;
  double iapp = 0.1, input_gain = 36.75, input_bias = 39.9;
  double vt = -3, kp = 8;  // T(V) = sigmoid((V - vt) / kp)
  // The stiffness knob (docs/science.md 1.2, beyond the paper): conductance coupling through a
  // kinetic synapse per neuron, ds_i/dt = alpha T(V_i) (1 - s_i) - beta s_i,
  // I_syn,i = syn_gain sum_j W_rec[j][i] s_j (E_syn - V_i), in place of the current coupling
  // T W_rec. Large alpha (~12 /ms) makes the network stiff.
  bool kinetic = false;
  double alpha = 12, beta = 0.1, e_syn = 0, syn_gain = 1;
};

struct evidence_config {
  std::uint64_t seed = 0;
  std::size_t neurons = 128;
  std::size_t trials = 50;              // batch size, the same trials for every member
  std::size_t validation_trials = 500;  // the fixed validation set (validation_generation)
  evidence_integrator integrator = evidence_integrator::fixed;  // the paper's scheme, or CVODE
  double dt = 0.1;                                              // ms, fixed-step scheme
  evidence_precision precision = evidence_precision::float64;   // see evidence_precision
  double token_ms = 4.0;                                        // each token held this long
  double readout_ms = 10.0;       // readout: mean T over the last readout_ms
  bool common_noise = false;      // all members share a generation's initial voltages
  bool restart_at_tokens = true;  // bdf: re-initialise CVODE at every token boundary, or continue
  double trial_v0_mean = -20, trial_v0_sd = 5, trial_w0 = 0.014173;
  evidence_network network;  // [network], with the neuron constants of [neuron]
  ode::solver_options solver;

  // The task's keys ([task], [network], [neuron], [ode]); the defaults are the initialisers.
  static const esbio::schema<evidence_config>& schema();
  void validate() const;  // input_error naming the bad setting
};

class evidence_task final : public task {
 public:
  using config = evidence_config;
  explicit evidence_task(evidence_config cfg);

  std::string name() const override { return "evidence"; }
  const param_layout& layout() const override { return layout_; }
  std::vector<double> initial_params() const override;
  bool classification() const override { return true; }
  // d(mean cross-entropy)/d(W_ro, b_ro) = mean over trials of (softmax - onehot) (f, 1).
  std::vector<std::string> exact_blocks() const override { return {"W_ro", "b_ro"}; }
  // BPTT through the fixed-step scheme (the paper's own BP; src/tasks/evidence_bptt.cpp) for
  // integrator = fixed, the continuous adjoint through every token segment
  // (src/tasks/evidence_adjoint.cpp) for bdf.
  bool has_gradient() const override { return true; }
  // A batch splits into its trials; the validation set into parts of about a member part's size.
  std::size_t batch_parts() const override { return cfg_.trials; }
  std::size_t validation_parts(std::size_t parts) const override {
    const std::size_t ratio = (cfg_.validation_trials + cfg_.trials - 1) / cfg_.trials;
    return std::min(cfg_.validation_trials, parts * ratio);
  }
  // BP's default: one part per trial on the BDF path, whose adjoint runs trial by trial anyway;
  // on the fixed-step path one per bp_trials_per_part trials, because BPTT's product batches
  // trials into register tiles (5 trials with SSE2 and AVX2, 10 with AVX-512) and a part that
  // fills no tile runs slower (bench/RESULTS.md: 5-trial parts cost 1.6x per trial on AVX-512).
  static constexpr std::size_t bp_trials_per_part = 10;
  std::size_t gradient_parts() const override {
    if (cfg_.integrator == evidence_integrator::bdf) return cfg_.trials;
    return std::max<std::size_t>(1, cfg_.trials / bp_trials_per_part);
  }
  std::unique_ptr<evaluator> make_evaluator() const override;

  const evidence_config& config_values() const { return cfg_; }
  // The network: one population of N Morris-Lecar neurons, its weights those of
  // initial_params() (an evaluation binds theta's).
  const models::network_description* network() const override { return &network_; }
  models::network_description network_at(std::span<const double> theta) const override {
    return network_with(network_, params_, layout_, theta);
  }
  data_group trials_as_dataset(std::uint32_t generations) const override;
  const network_run& run() const { return run_; }
  const network_params& params() const { return params_; }
  const std::vector<double>& embeddings() const { return embeddings_; }  // vocabulary x 50
  std::size_t token_steps() const { return token_steps_; }  // fixed-step steps per token
  std::size_t readout_steps() const { return readout_steps_; }
  // A generation's batch: the same trials for every member; the validation generation's is the
  // fixed validation set of validation_trials.
  std::vector<evidence_trial> batch(std::uint32_t generation) const;
  std::size_t trials_in(std::uint32_t generation) const {
    return generation == validation_generation ? cfg_.validation_trials : cfg_.trials;
  }

 private:
  evidence_config cfg_;
  param_layout layout_;
  std::vector<double> theta0_;
  models::network_description network_;
  network_run run_;
  network_params params_;
  std::vector<double> embeddings_;
  std::size_t token_steps_ = 0, readout_steps_ = 0;
};

// Task B's batches as a network sees them: each token a sample, its embedding the 50 channels.
class evidence_source final : public trial_source {
 public:
  explicit evidence_source(const evidence_task& task) : task_(task) {}
  std::size_t batch_size(std::uint32_t generation) const override {
    return task_.trials_in(generation);
  }
  void load(std::uint32_t generation, std::size_t first, std::size_t count,
            trial_batch& out) override;
  // A generation's whole batch (drawn once per generation).
  const std::vector<evidence_trial>& batch(std::uint32_t generation);

 private:
  const evidence_task& task_;
  std::optional<std::uint32_t> generation_;
  std::vector<evidence_trial> batch_;
};

// The working state of task B's evaluations: its batches and the network evaluator
// (network_evaluator.hpp) that integrates, reads out, scores and differentiates them.
class evidence_evaluator final : public evaluator {
 public:
  explicit evidence_evaluator(const evidence_task& task);

  using evaluator::evaluate;
  using evaluator::exact_gradient;
  using evaluator::gradient;
  evaluation evaluate(std::span<const double> theta, const work_item& item) override {
    return net_.evaluate(theta, item);
  }
  bool exact_gradient(std::span<const double> theta, const work_item& item,
                      std::span<double> grad) override {
    return net_.exact_readout_gradient(theta, item, grad);
  }
  // BPTT through the fixed-step scheme (the paper's own BP) for integrator = fixed, the
  // continuous adjoint through every token segment for bdf.
  evaluation gradient(std::span<const double> theta, const work_item& item,
                      std::span<double> grad) override {
    return net_.gradient(theta, item, grad);
  }
  // The network's traces (network_evaluator::traces: V and T at every token boundary, features,
  // the initial state V0 and w0, spikes or the stiffness ratio) with task B's names and data:
  // logits, labels, counts, tokens and the word embeddings, so that a trajectory can be
  // recomputed from the run file and the traces alone (jobs/analysis/replay_evidence.py).
  std::vector<named_array> traces(std::span<const double> theta, std::uint32_t generation) override;

  // The readout features (trials x N, mean T over the readout window) of an item, and whether
  // every trial integrated.
  bool features(std::span<const double> theta, const work_item& item, std::vector<double>& out) {
    return net_.features(theta, item, out);
  }
  const std::vector<evidence_trial>& batch(std::uint32_t generation) {
    return source_.batch(generation);
  }

 private:
  const evidence_task& task_;
  evidence_source source_;
  network_evaluator net_;
};

}  // namespace esbio::tasks
