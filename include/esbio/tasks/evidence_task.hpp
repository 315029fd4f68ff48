#pragma once
// Task B of docs/science.md 2.2 (evidence integration, Hazelden et al. 2023 Fig. 3): a recurrent
// network of N Morris-Lecar neurons (models/ml_network.hpp) reads 50 tokens
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
#include "esbio/models/ml_network.hpp"
#include "esbio/ode/integrator.hpp"
#include "esbio/tasks/evidence_data.hpp"
#include "esbio/tasks/task.hpp"

namespace esbio::tasks {

enum class evidence_integrator { fixed, bdf };
// The arithmetic of the fixed-step scheme's state, forward and BPTT (the paper ran float32). The
// readout (features, logits, loss) and the gradients' sums over tokens stay in float64. On the
// continuous model (bdf) float32 rounds W_rec and sums the coupling product in float
// (network_params::float32_weights).
enum class evidence_precision { float64, float32 };

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
  models::network_params network;  // [network], with the neuron constants of [neuron]
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
  std::unique_ptr<evaluator> make_evaluator() const override;

  const evidence_config& config_values() const { return cfg_; }
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
  std::vector<double> embeddings_;
  std::size_t token_steps_ = 0, readout_steps_ = 0;
};

// The working state of task B's evaluations: the network bound to a theta, its integrator, the
// batch of the last generation seen and the trials' states.
class evidence_evaluator final : public evaluator {
 public:
  explicit evidence_evaluator(const evidence_task& task);

  evaluation evaluate(std::span<const double> theta, std::uint32_t generation,
                      std::uint32_t member = 0) override;
  bool exact_gradient(std::span<const double> theta, std::uint32_t generation,
                      std::span<double> grad) override;
  bool exact_gradient_part(std::span<const double> theta, std::uint32_t generation,
                           std::size_t part, std::size_t parts, std::span<double> grad) override;
  evaluation gradient(std::span<const double> theta, std::uint32_t generation,
                      std::span<double> grad) override;
  // Per trial: tokens, label, counts, logits, readout features, and V and T sampled at every
  // token boundary (t = 0, 4, ..., 200 ms), for the centre with member 0's initial state; that
  // initial state (V0, w0, as drawn in float64) and the word embeddings, so a trajectory can be
  // recomputed from the run file and the traces alone (jobs/analysis/replay_evidence.py); and on
  // the fixed path every spike (an upward crossing of 0 mV at a step) as (trial, neuron, time).
  std::vector<named_array> traces(std::span<const double> theta, std::uint32_t generation) override;
  // Parts are contiguous chunks of a batch's trials, each trial with the initial state it has in
  // the whole batch. The coupling product sums every entry in the same order however many trials
  // it batches; the vectorised neuron loop's remainder may hold other trials in a part, and in
  // float32 its scalar expf rounds unlike the vector one (tests/unit/test_evidence_parts.cpp).
  std::size_t evaluation_parts() const override { return cfg_.trials; }
  std::size_t validation_parts(std::size_t parts) const override {
    const std::size_t ratio = (cfg_.validation_trials + cfg_.trials - 1) / cfg_.trials;
    return std::min(cfg_.validation_trials, parts * ratio);
  }
  evaluation evaluate_part(std::span<const double> theta, std::uint32_t generation,
                           std::uint32_t member, std::size_t part, std::size_t parts) override;
  // BP's default: one part per trial on the BDF path, whose adjoint runs trial by trial anyway;
  // on the fixed-step path one per bp_trials_per_part trials, because BPTT's product batches
  // trials into register tiles (5 trials with SSE2 and AVX2, 10 with AVX-512) and a part that
  // fills no tile runs slower (bench/RESULTS.md: 5-trial parts cost 1.6x per trial on AVX-512).
  static constexpr std::size_t bp_trials_per_part = 10;
  std::size_t gradient_parts() const override;
  evaluation gradient_part(std::span<const double> theta, std::uint32_t generation,
                           std::size_t part, std::size_t parts, std::span<double> grad) override;

  // The readout features (trials x N, mean T over the readout window) of a batch, and whether
  // every trial integrated.
  bool features(std::span<const double> theta, std::uint32_t generation, std::uint32_t member,
                std::vector<double>& out);
  const std::vector<evidence_trial>& batch(std::uint32_t generation);

 private:
  void logits_of(std::span<const double> theta, const double* f, double* logits) const;
  evaluation gradient_bptt(std::span<const double> theta, std::uint32_t generation,
                           std::span<double> grad);
  evaluation gradient_adjoint(std::span<const double> theta, std::uint32_t generation,
                              std::span<double> grad);
  // The readout's share of the gradient: adds dL/dW_ro and dL/db_ro into grad and returns
  // dL/df (trials x N) for the features f.
  void readout_backward(std::span<const double> theta, const std::vector<double>& f,
                        std::span<double> grad, std::vector<double>& dl_df) const;
  // Adds dL/dW_inp to grad from dL/d(drive) summed per word (vocabulary x N).
  void drive_backward(const std::vector<double>& d_table, std::span<double> grad) const;
  // Loss and accuracy of the features f (trials x N) into ev.
  void score(std::span<const double> theta, const std::vector<double>& f, evaluation& ev) const;
  // Batch, initial state, per-word drive table and W_rec binding for an evaluation of theta.
  void prepare(std::span<const double> theta, std::uint32_t generation, std::uint32_t member);
  void initial_state(std::uint32_t generation, std::uint32_t member);
  // Called at t = 0 and at every token boundary with the state of trial `trial` (V, w[, s]; the
  // BDF path) or the voltages of all trials (trials x N, trial == all_trials; the fixed path).
  static constexpr std::size_t all_trials = static_cast<std::size_t>(-1);
  using recorder = std::function<void(std::size_t trial, int boundary, const double* v)>;
  // each_step (fixed path only) is called with index 0 before the first step and with index
  // k + 1 after step k.
  bool features(std::span<const double> theta, std::uint32_t generation, std::uint32_t member,
                std::vector<double>& out, evaluation& ev, const recorder& rec = {},
                const recorder& each_step = {});
  bool features_fixed(std::vector<double>& out, const recorder& rec, const recorder& each_step);
  template <class real>
  bool features_fixed_as(std::vector<double>& out, const recorder& rec, const recorder& each_step);
  template <class real>
  evaluation gradient_bptt_as(std::span<const double> theta, std::uint32_t generation,
                              std::span<double> grad);
  // The fixed-step state in float64 (v_, w_, t_, drive_) or float32 (the *_f_ vectors).
  template <class real>
  struct fixed_state {
    std::vector<real>&v, &w, &t, &drive;
  };
  template <class real>
  fixed_state<real> state_as();
  bool features_bdf(std::vector<double>& out, evaluation& ev, const recorder& rec);
  // BDF path: the output times of token tok's segment and its start time. A segment inside the
  // readout window outputs at its readout instants (the last being its end) and `readout` is
  // true; any other segment outputs only at its end.
  double segment_outputs(int tok, std::vector<double>& t_out, bool& readout) const;

  const evidence_task& task_;
  const evidence_config& cfg_;
  const param_layout& layout_;
  const std::vector<double>& embeddings_;
  const std::size_t token_steps_, readout_steps_;
  models::ml_network net_;
  ode::integrator solver_;
  // The part of the batch being evaluated (part_ of parts_), set around evaluate() and
  // gradient() by the *_part calls; prepare() narrows batch_ and the state to it.
  struct part_guard;
  std::size_t part_ = 0, parts_ = 1;
  double normaliser_ = 1;  // the whole batch's trial count: every part's loss is its share
  std::optional<std::uint32_t> batch_generation_;
  std::vector<evidence_trial> full_batch_, batch_;  // a generation's batch; the trials evaluated
  std::vector<double> v_, w_, t_, drive_, table_;   // trials x N state and per-word drives
  std::vector<float> v_f_, w_f_, t_f_, drive_f_;    // the same in float32
};

}  // namespace esbio::tasks
