#pragma once
// Robertson's chemical kinetics (H. H. Robertson 1966; ROBER in Hairer & Wanner, "Solving ODEs
// II", section IV.1), the stiff benchmark of Kim, Ji, Deng, Ma & Rackauckas 2021, "Stiff neural
// ordinary differential equations" (Chaos 31, 093122; code DENG-MIT/StiffNeuralODE ROBER.jl),
// task D of docs/science.md 2.4:
//
//   y1' = -k1 y1 + k3 y2 y3
//   y2' =  k1 y1 - k3 y2 y3 - k2 y2^2
//   y3' =  k2 y2^2,          k = (0.04, 3e7, 1e4),   y(0) = (1, 0, 0),
//
// observed at the 50 times 10^linspace(-5, 5, 50). Concentrations are dimensionless (mole
// fractions), time in the rate constants' unit (s in the chemistry literature). The rates sum to
// zero, so y1 + y2 + y3 = 1 along every exact solution: the tests' conservation oracle.
// Stiffness: the Jacobian's eigenvalues reach about -1e4 (at y3 ~ 1) while the slow mode decays
// at ~1e-5, so only implicit methods get through [0, 1e5] in reasonable work.
//
// Jacobian (analytic):
//   [ -k1    k3 y3               k3 y2 ]
//   [  k1   -k3 y3 - 2 k2 y2    -k3 y2 ]
//   [  0     2 k2 y2             0     ]

#include <cstddef>
#include <vector>

#include "esbio/ode/system.hpp"

namespace esbio::models {

struct robertson_rates {
  double k1 = 0.04, k2 = 3e7, k3 = 1e4;
};

class robertson final : public ode::system {
 public:
  explicit robertson(robertson_rates k = {}) : k_(k) {}
  std::size_t size() const override { return 3; }
  int rhs(double t, const double* y, double* ydot) override;
  bool jacobian(double t, const double* y, double* jac) override;

 private:
  robertson_rates k_;
};

// The observation times of Kim et al.: n times 10^linspace(log10 t_first, log10 t_last, n).
std::vector<double> log_spaced_times(std::size_t n, double t_first = 1e-5, double t_last = 1e5);

}  // namespace esbio::models
