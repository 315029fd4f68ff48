#pragma once
// The neural-ODE vector field of task D (Kim et al. 2021, ROBER.jl; docs/science.md 1.3):
//
//   f(u) = NN(u) o s,   s = yscale / t_end (per component),
//   NN = A_L o g o A_{L-1} o ... o g o A_0,   A_l(x) = W_l x + b_l,
//
// u in R^d, `depth` hidden layers of `width` units (W_0: width x d, W_l: width x width,
// W_L: d x width, L = depth), g elementwise GELU or tanh, linear output. The reference network is
// 3 -> 5 x 6 -> 3 with GELU. The output scale makes a unit NN output move each species by its
// full range over the whole interval: without it the network would have to emit numbers from
// 1e-5 (y2) to 1e-10 (rates over t_end = 1e5). Dimensionless, like the concentrations.
//
// GELU is the exact form g(x) = x Phi(x) = x (1 + erf(x / sqrt 2)) / 2 (PyTorch's default);
// Kim et al.'s Flux used NNlib's tanh approximation, which differs by < 1e-3.
//
// Derivatives, with z_l the pre-activations and a_l = g(z_{l-1}) (a_0 = u):
//   J = diag(s) W_L diag(g'(z_{L-1})) W_{L-1} ... diag(g'(z_0)) W_0
//   vjp: delta_L = s o lambda,  dW_l = delta_l a_l^T,  db_l = delta_l,
//        delta_{l-1} = g'(z_{l-1}) o W_l^T delta_l,   J^T lambda = W_0^T delta_0.
//
// Parameters: one span, layer after layer, each layer's W (row-major, out x in) then its b:
//   [W_0, b_0, W_1, b_1, ..., W_L, b_L]
// which is also the order of (df/dp)^T lambda from vjp(); param_layout blocks "W0", "b0", ...
// added in that order make theta and this span the same vector.

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "esbio/ode/system.hpp"

namespace esbio::models {

enum class activation { gelu, tanh };
activation parse_activation(const std::string& name);  // throws input_error
const char* to_string(activation a);

class dense_mlp_field final : public ode::system {
 public:
  // scale: the d factors s_i = yscale_i / t_end.
  dense_mlp_field(std::size_t dim, std::size_t width, std::size_t depth, activation act,
                  std::vector<double> scale);

  // Bind the parameters ([W_0, b_0, ..., W_L, b_L], parameter_count() entries); the span must
  // outlive the solves that use it.
  void bind(std::span<const double> p);

  struct layer_shape {
    std::size_t rows, cols, w_offset, b_offset;  // W is rows x cols at w_offset, b at b_offset
  };
  const std::vector<layer_shape>& layers() const { return layers_; }
  std::size_t width() const { return width_; }
  std::size_t depth() const { return depth_; }

  std::size_t size() const override { return d_; }
  int rhs(double t, const double* y, double* ydot) override;
  bool jacobian(double t, const double* y, double* jac) override;
  std::size_t parameter_count() const override { return n_params_; }
  bool vjp(double t, const double* y, const double* lambda, double* out_y, double* out_p) override;

 private:
  // Runs the network on y, keeping every pre-activation (z_) and activation (a_) for the
  // derivatives; writes NN(y) into out (unscaled).
  void forward(const double* y, double* out);
  double act(double x) const;
  double act_prime(double x) const;

  std::size_t d_, width_, depth_;
  activation act_;
  std::vector<double> scale_;
  std::vector<layer_shape> layers_;
  std::size_t n_params_ = 0;
  std::span<const double> p_;
  // Scratch, per hidden layer l: z_ at l * width_ (pre-activation), a_ at l * width_
  // (activation g(z)).
  std::vector<double> z_, a_, m_, m2_, delta_, delta2_;
};

}  // namespace esbio::models
