#pragma once
// The over-parameterised neural-ODE vector field of task C (Hazelden et al. 2023, NDEs.py):
//
//   f(y) = W2 tanh(W1 (y o y o y)),   y in R^d,  W1 in R^{H x d},  W2 in R^{d x H},  no biases.
//
// The cube is the feature map torchdiffeq's demo builds into the model. Jacobian:
//   df/dy = W2 diag(1 - h o h) W1 diag(3 y o y),   h = tanh(W1 y^3).
// Weights are views into a member's parameter vector (row-major blocks "W1", "W2"), so an ES
// member is evaluated without copying its parameters.

#include <span>
#include <vector>

#include "esbio/ode/system.hpp"

namespace esbio::models {

class cubic_mlp_field final : public ode::system {
 public:
  // dim is at most max_dim (the cube y^3 lives on the stack of every evaluation).
  static constexpr std::size_t max_dim = 8;
  cubic_mlp_field(std::size_t dim, std::size_t hidden);

  // Bind the weights to evaluate with; the spans must outlive the solves that use them.
  void bind(std::span<const double> w1, std::span<const double> w2);

  std::size_t size() const override { return d_; }
  std::size_t hidden() const { return h_; }
  int rhs(double t, const double* y, double* ydot) override;
  bool jacobian(double t, const double* y, double* jac) override;
  std::size_t parameter_count() const override { return 2 * d_ * h_; }
  bool vjp(double t, const double* y, const double* lambda, double* out_y, double* out_p) override;

 private:
  std::size_t d_, h_;
  std::span<const double> w1_, w2_;
  std::vector<double> act_;                 // scratch: h = tanh(W1 y^3)
  void hidden(const double* y, double* u);  // u = y^3 (d <= 8 entries), act_ = h
};

}  // namespace esbio::models
