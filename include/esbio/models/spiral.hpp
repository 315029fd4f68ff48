#pragma once
// The cubic spiral of task C (torchdiffeq's examples/ode_demo.py, used by Hazelden et al. 2023):
//
//   dy/dt = (y o y o y) A,   y a row vector in R^2,   A = [[-0.1, 2.0], [-2.0, -0.1]],
//   y(0) = [2, 0],  observed at 1000 equally spaced times on [0, 25].
//
// Dimensionless. Jacobian: df_j/dy_i = 3 y_i^2 A_ij.

#include <array>

#include "esbio/ode/system.hpp"

namespace esbio::models {

class cubic_spiral final : public ode::system {
 public:
  using matrix = std::array<std::array<double, 2>, 2>;
  static constexpr matrix default_a{{{-0.1, 2.0}, {-2.0, -0.1}}};

  explicit cubic_spiral(matrix a = default_a) : a_(a) {}
  std::size_t size() const override { return 2; }
  int rhs(double t, const double* y, double* ydot) override;
  bool jacobian(double t, const double* y, double* jac) override;

 private:
  matrix a_;
};

}  // namespace esbio::models
