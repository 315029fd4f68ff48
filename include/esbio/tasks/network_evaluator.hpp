#pragma once
// Evaluations of a network (models/network.hpp) on batches of trials (trial_batch.hpp), shared
// by task B (evidence) and task network (files): the one place a network's trials are
// integrated, read out and scored, and differentiated by BPTT or the adjoint.
//
// Integrators: the fixed-step scheme (the paper's for Morris-Lecar, Rush-Larsen for
// Hodgkin-Huxley; dt divides the sample length; the coupling lagged by one step, T = 0 before
// the first) batched over a part's trials, or CVODE BDF on the continuous model, trial by trial,
// stopped at every sample boundary (restarted there, or continued).
// Readout: features f = the mean over the window's steps of T(V) (spike_indicator), or the
// upward crossings of Vt in the window per ms (rate, no gradient); outputs y = W_out f + b_out;
// for trace targets, y at the end of every sample from T(V) there.
// Loss (loss_kind): mean cross-entropy or the error rate over labels, the masked mean squared
// error over traces, Poisson deviance or squared error over counts; each part of a batch is
// scored with the whole batch's normaliser, so the parts' losses sum to the whole's.
//
// theta: a network_params says which layout block holds which of the network's trainable
// arrays (input.W, recurrent.W, readout.W, readout.b); arrays without a block keep the
// description's values. recurrent.W holds only the connections the mask keeps, in row-major
// order; Dale's signs make the effective weight sign_j |W|; bounds map theta through the
// transform of docs/network-files.md.

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "esbio/core/named_array.hpp"
#include "esbio/core/params.hpp"
#include "esbio/models/network.hpp"
#include "esbio/ode/integrator.hpp"
#include "esbio/tasks/task.hpp"
#include "esbio/tasks/trial_batch.hpp"

namespace esbio::tasks {

enum class network_integrator { fixed, bdf };
// The arithmetic of the fixed-step scheme's state, forward and BPTT (the paper ran float32). The
// readout (features, outputs, loss) and the gradients' sums over samples stay in float64. On the
// continuous model float32 rounds W and sums the coupling product in float.
enum class network_precision { float64, float32 };
enum class loss_kind { cross_entropy, error_rate, mse, poisson, count_mse };
const char* to_string(loss_kind k);
bool has_gradient(loss_kind k);

// The trainable arrays of a network, in this order.
enum network_array : std::size_t { input_w = 0, recurrent_w = 1, readout_w = 2, readout_b = 3 };
inline constexpr const char* network_array_names[] = {"input.W", "recurrent.W", "readout.W",
                                                      "readout.b"};

struct network_run {
  std::uint64_t seed = 0;
  network_integrator integrator = network_integrator::fixed;
  network_precision precision = network_precision::float64;
  double dt = 0.1;                 // ms, the fixed-step scheme
  double sample_ms = 4.0;          // how long each input sample is held
  bool common_noise = false;       // all members share a generation's initial voltages
  bool restart_at_samples = true;  // bdf: re-initialise CVODE at every sample boundary
  loss_kind loss = loss_kind::cross_entropy;
  ode::solver_options solver;
};

// How theta maps onto a network's arrays: the layout block of each trainable array.
struct network_params {
  std::array<std::optional<std::size_t>, 4> block;  // layout indices, by network_array
};

// The layout of a network's trainable arrays, named `names` (task B: W_inp, W_rec, W_ro, b_ro),
// the recurrent block holding only the connections the mask keeps.
network_params add_network_blocks(const models::network_description& d,
                                  const std::vector<std::string>& trainable,
                                  const std::array<std::string, 4>& names, param_layout& layout);
// The description with the arrays theta holds (through the bounds): the trained network.
models::network_description network_with(const models::network_description& d,
                                         const network_params& p, const param_layout& layout,
                                         std::span<const double> theta);
// The description's own values as theta (through the inverse of the bounds' transform).
void network_initial_params(const models::network_description& d, const network_params& p,
                            const param_layout& layout, std::span<double> theta);

class network_evaluator {
 public:
  // The description, the layout and the source must outlive the evaluator.
  network_evaluator(const models::network_description& d, const network_run& run,
                    const param_layout& layout, const network_params& params, trial_source& source);

  evaluation evaluate(std::span<const double> theta, const work_item& item);
  // d loss / d(readout.W, readout.b) of the centre on the item (their blocks' offsets in grad);
  // false if the forward failed.
  bool exact_readout_gradient(std::span<const double> theta, const work_item& item,
                              std::span<double> grad);
  // BPTT (fixed) or the adjoint (bdf) of the centre's loss on the item.
  evaluation gradient(std::span<const double> theta, const work_item& item, std::span<double> grad);
  // Trajectories of the centre on a generation's batch (docs/science.md: V and T at every sample
  // boundary, features, outputs, targets, the initial state, every spike on the fixed path, the
  // Jacobian's stiffness ratio along trial 0 on the bdf path).
  std::vector<named_array> traces(std::span<const double> theta, std::uint32_t generation);

  // The readout features (trials x N) of the item, and whether every trial integrated.
  bool features(std::span<const double> theta, const work_item& item, std::vector<double>& out);
  const trial_batch& batch() const { return batch_; }
  std::size_t window_steps() const { return window_steps_; }

 private:
  // Called at t = 0 and at every sample boundary with the state of trial `trial` (the bdf path:
  // the full state) or the voltages of all trials (trials x N, trial == all_trials; fixed path).
  static constexpr std::size_t all_trials = static_cast<std::size_t>(-1);
  using recorder = std::function<void(std::size_t trial, std::size_t boundary, const double* v)>;

  void prepare(std::span<const double> theta, const work_item& item);
  void initial_state(std::uint32_t generation, std::uint32_t member);
  void bind(std::span<const double> theta);
  // outputs (trials x outputs, or trials x samples x outputs for traces) from the features.
  void outputs_of(const std::vector<double>& f, std::vector<double>& y) const;
  void score(const std::vector<double>& y, evaluation& ev) const;
  // dL/dy for the outputs y.
  void loss_gradient(const std::vector<double>& y, std::vector<double>& dl_dy) const;
  // Adds dL/d(readout.W, readout.b) into grad (through their bounds) and returns dL/df.
  void readout_backward(std::span<const double> theta, const std::vector<double>& f,
                        const std::vector<double>& dl_dy, std::span<double> grad,
                        std::vector<double>& dl_df) const;
  // dL/d(input.W, recurrent.W) from dL/d(drive) of every sample and dL/d(effective W), through
  // the mask, the signs and the bounds, into their blocks.
  void network_backward(std::span<const double> theta, const std::vector<double>& d_drive,
                        const std::vector<double>& d_w, std::span<double> grad) const;
  bool run(evaluation& ev, std::vector<double>& f, const recorder& rec, const recorder& each_step);
  template <class real>
  bool run_fixed(std::vector<double>& f, const recorder& rec, const recorder& each_step);
  bool run_bdf(std::vector<double>& f, evaluation& ev, const recorder& rec);
  template <class real>
  evaluation bptt(std::span<const double> theta, const work_item& item, std::span<double> grad);
  evaluation adjoint(std::span<const double> theta, const work_item& item, std::span<double> grad);
  // The drive x W_in of trial b's sample s into out (N values).
  template <class real>
  void drive_of(std::size_t b, std::size_t s, real* out) const;
  void distinct_samples();
  void form_drives();
  // BDF: the output times of sample s's segment and its start; `window` is true when it
  // outputs readout instants (the last being its end).
  double segment_outputs(std::size_t s, std::vector<double>& t_out, bool& window) const;
  bool per_sample_outputs() const { return batch_.kind == target_kind::traces; }

  const models::network_description& desc_;
  const network_run& run_;
  const param_layout& layout_;
  network_params params_;
  trial_source& source_;
  std::unique_ptr<models::network> net_;
  ode::integrator solver_;
  std::size_t n_, states_, steps_per_sample_ = 0, window_steps_ = 0, window_from_ = 0;

  trial_batch batch_;
  double normaliser_ = 1;  // the whole batch's trials (traces: its scored entries)
  std::vector<double> x_;  // the item's initial states: states x trials x N
  std::vector<float> x_f_;
  std::vector<double> w_eff_, w_in_, w_out_, b_out_;  // the bound arrays
  std::span<const double> w_rec_;                     // W as bound (theta's or w_eff_)
  // The batch's distinct input samples (task B: its words), the first row of each, every row's
  // distinct sample, and each distinct sample's drive x W_in (distinct x N).
  std::vector<std::size_t> distinct_, sample_row_;
  std::vector<double> drives_;
};

}  // namespace esbio::tasks
