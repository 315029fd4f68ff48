#pragma once
// A network's execution state: a network_description made runnable for one neuron model, with
// the weights of a theta bound to it. Per rank (an evaluator owns one); the description outlives
// it. Two integrators share it:
//
// The continuous model, one trial at a time, as an ode::system for CVODE. The state is
// structure-of-arrays, y = (V_1..V_N, s1_1..s1_N, ..., [syn_1..syn_N]): each of the model's
// states for every neuron, then with conductance coupling the synaptic activation of each
// presynaptic neuron (starting at 0). The input current of neuron i is
//   current coupling:      I_i = (Iapp + d_i + sum_j T(V_j) W[j][i]) gain + offset
//   conductance coupling:  I_i = (Iapp + d_i) gain + offset + syn_gain sum_j W[j][i] a_j (E_j -
//   V_i)
// with d = x W_in the drive of the current input sample (set_drive; the caller stops the solver
// where the input changes) and T(V) = sigmoid((V - Vt) / Kp). The Jacobian is the model's blocks
// on the per-neuron diagonals plus the dense coupling block; the preconditioner inverts the
// per-neuron blocks of I - gamma J (the self-coupling included); vjp() has
// p = (W as bound, N x N row-major, then the drive d, N), parameter_count() = N^2 + N.
//
// The fixed-step scheme, a batch of trials at once: the model's step (neuron_model.hpp) with
// the coupling lagged by one step (T from the previous step), as the paper's scheme, then T of
// the new V. The state is one array of the model's states x trials x N (state s of trial b,
// neuron i at s * trials * N + b * N + i), with T and the drive trials x N. In float64 or
// float32, the same code (src/models/network_of.hpp).

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "esbio/models/network_description.hpp"
#include "esbio/ode/system.hpp"

namespace esbio::models {

struct network_options {
  // The continuous model with W rounded to float32 (task.precision = float32 on the BDF path):
  // every path (rhs, Jacobian, J v, vjp, blocks) reads the same rounded values, and the coupling
  // product sums in float (its inputs rounded, the sums widened back). State, solver and the
  // rest of the arithmetic stay float64.
  bool float32_weights = false;
};

class network : public ode::system {
 public:
  // Weights as bound by bind_recurrent (effective: mask and signs already applied).
  // The description must outlive the network.
  std::size_t neurons() const { return n_; }
  std::size_t neuron_states() const { return states_; }  // the model's states per neuron
  const network_description& description() const { return desc_; }
  bool conductance() const { return desc_.coupling == coupling_kind::conductance; }
  std::size_t size() const override { return (states_ + (conductance() ? 1 : 0)) * n_; }

  // W (N x N, row-major by presynaptic neuron), already masked and signed; must outlive the
  // solves using it. The fixed-step scheme and the float32 model use copies made here: after
  // changing W, bind it again.
  virtual void bind_recurrent(std::span<const double> w) = 0;
  // The drive d = x W_in of the current input sample (N values).
  virtual void set_drive(std::span<const double> drive) = 0;

  // T(V) and T'(V): the synaptic output and the spike indicator the readout reads.
  double output(double v) const;
  double output_slope(double v) const;

  // The initial state of one neuron for the continuous model and the scheme: V, then each other
  // state at its value in the description or its steady state at V.
  virtual void initial_state(std::size_t neuron, double v, std::span<double> state) const = 0;

  // Steps of the scheme for `trials` trials: state (states x trials x N), t_prev (trials x N, T
  // of the previous step, becomes T of the new V), drive (trials x N).
  virtual void steps(std::size_t trials, std::span<double> state, std::span<double> t_prev,
                     std::span<const double> drive, double dt) = 0;
  virtual void steps(std::size_t trials, std::span<float> state, std::span<float> t_prev,
                     std::span<const float> drive, double dt) = 0;
  // Reverse of steps() for BPTT: (state, t_prev) before the step, (state_new, t_new) after it.
  // On entry lambda (states x trials x N) and lambda_t (trials x N) hold dL/d(state_new, t_new);
  // on return dL/d(state, t_prev). dL/d drive is added to grad_drive (trials x N) and dL/dW to
  // grad_w (N x N, as bound). The float32 version is the same arithmetic in float.
  virtual void steps_vjp(std::size_t trials, std::span<const double> state,
                         std::span<const double> t_prev, std::span<const double> state_new,
                         std::span<const double> t_new, double dt, std::span<double> lambda,
                         std::span<double> lambda_t, std::span<double> grad_drive,
                         std::span<double> grad_w) = 0;
  virtual void steps_vjp(std::size_t trials, std::span<const float> state,
                         std::span<const float> t_prev, std::span<const float> state_new,
                         std::span<const float> t_new, double dt, std::span<float> lambda,
                         std::span<float> lambda_t, std::span<float> grad_drive,
                         std::span<float> grad_w) = 0;
  // z (trials x N) += t (trials x N) W: the scheme's coupling product (bench/src/coupling.cpp).
  virtual void coupling_product(std::size_t trials, const double* t, double* z) const = 0;
  virtual void coupling_product(std::size_t trials, const float* t, float* z) const = 0;

 protected:
  network(const network_description& d, std::size_t states);

  const network_description& desc_;
  std::size_t n_, states_;
};

// The network of the description's model (neuron_registry.hpp); input_error for an unknown model.
// The network refers to d (description()) rather than copying its weights: d must outlive it.
std::unique_ptr<network> make_network(const network_description& d,
                                      const network_options& options = {});

}  // namespace esbio::models
