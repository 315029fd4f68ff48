#pragma once
// The over-parameterised neural-ODE vector field of task C (Hazelden et al. 2023, NDEs.py):
//
//   f(y) = W2 tanh(W1 (y o y o y)),   y in R^d,  W1 in R^{H x d},  W2 in R^{d x H},  no biases.
//
// The cube is the feature map torchdiffeq's demo builds into the model. Jacobian:
//   df/dy = W2 diag(1 - h o h) W1 diag(3 y o y),   h = tanh(W1 y^3).
//
// `copies` independent states share the weights: the system's state is copies x d (row-major),
// each copy following f on its own, so a batch of windows integrates as one system and each
// right-hand side is two matrix products over the whole batch (Z = U W1^T, Ydot = tanh(Z) W2^T)
// and one vector tanh of copies x H entries. The parameter gradient of vjp() sums the copies' in
// copy order. Weights are views into a member's parameter vector (row-major blocks "W1", "W2"),
// so an ES member is evaluated without copying its parameters.
//
// Precision float32 (task.precision on task C) evaluates rhs() in single precision: the weights
// are rounded (and W1 transposed) once at bind(), so rebind after changing them; the cube, the
// products and tanh (a rational approximation within 6 ulp, fast_tanh.hpp) run at twice the
// vector width in one pass over H, and each output's sum over H is combined in double. The state,
// the solver and its error control stay double. jacobian() and vjp() stay double: BP's adjoint then
// differentiates the double field along the float32 trajectory, within float32's rounding of the
// exact gradient (docs/science.md, "Task C in float32").

#include <span>
#include <vector>

#include "esbio/ode/system.hpp"

namespace esbio::models {

enum class field_precision { float64, float32 };

class cubic_mlp_field final : public ode::system {
 public:
  // dim is at most max_dim (the cube y^3 lives on the stack of every evaluation).
  static constexpr std::size_t max_dim = 8;
  cubic_mlp_field(std::size_t dim, std::size_t hidden, std::size_t copies = 1,
                  field_precision precision = field_precision::float64);

  // Bind the weights to evaluate with; the spans must outlive the solves that use them.
  void bind(std::span<const double> w1, std::span<const double> w2);

  std::size_t size() const override { return d_ * copies_; }
  std::size_t dim() const { return d_; }
  std::size_t copies() const { return copies_; }
  std::size_t hidden() const { return h_; }
  field_precision precision() const { return precision_; }
  int rhs(double t, const double* y, double* ydot) override;
  bool jacobian(double t, const double* y, double* jac) override;  // block diagonal
  std::size_t parameter_count() const override { return 2 * d_ * h_; }
  bool vjp(double t, const double* y, const double* lambda, double* out_y, double* out_p) override;

 private:
  std::size_t d_, h_, copies_;
  field_precision precision_;
  std::span<const double> w1_, w2_;
  // float32: W1^T (d x Hp) and W2 (d x Hp) rounded, H padded with zeros to Hp, a multiple of 16
  std::vector<float> w1t32_, w2_32_, act32_;  // act32_: one copy's tanh(Z), Hp
  std::size_t padded_hidden() const { return (h_ + 15) / 16 * 16; }
  std::vector<double> act_;   // scratch: h = tanh(W1 y^3), copies x H
  std::vector<double> cube_;  // scratch: y^3, copies x d
  std::vector<double> back_;  // jacobian() and vjp() scratch, one copy's H values (vjp runs at
                              // every adjoint step: no allocation per call)
  void hidden_layer(const double* y);  // cube_ = y^3, act_ = h
  void rhs32(const double* y, double* ydot);
};

}  // namespace esbio::models
