#pragma once
// One neuron of any neuron_model driven by a constant current I (uA/cm^2), as an ode::system:
// task A's model, and the tests' single-neuron oracles (bifurcations, SciPy trajectories).
// The adjoint's parameter is p = (I): df/dI = (1/C, 0, ...), so (df/dI)^T l = l_V / C.

#include <array>

#include "esbio/models/neuron_model.hpp"
#include "esbio/ode/system.hpp"

namespace esbio::models {

// One neuron under a constant current, whatever its model (neuron_registry.hpp makes them).
class neuron_system : public ode::system {
 public:
  virtual void set_current(double current) = 0;
  virtual double current() const = 0;
};

template <neuron_model M>
class single_neuron final : public neuron_system {
 public:
  using params = typename M::params;
  static constexpr std::size_t n = M::states;

  explicit single_neuron(params p = {}, double current = 0) : p_(p), current_(current) {}
  void set_current(double i) override { current_ = i; }
  double current() const override { return current_; }
  void set_params(const params& p) { p_ = p; }
  const params& model_params() const { return p_; }

  std::size_t size() const override { return n; }
  int rhs(double, const double* y, double* ydot) override {
    M::rates(p_, state_view<const double>{y}, current_, state_view<double>{ydot});
    return 0;
  }
  bool jacobian(double, const double* y, double* jac) override {
    std::array<double, n * n> j;
    M::jacobian(p_, state_view<const double>{y}, state_view<double>{j.data()});
    for (std::size_t r = 0; r < n; ++r)
      for (std::size_t c = 0; c < n; ++c) jac[r + c * n] = j[r * n + c];  // column-major
    return true;
  }
  std::size_t parameter_count() const override { return 1; }
  bool vjp(double, const double* y, const double* lambda, double* out_y, double* out_p) override {
    if (out_y) {
      std::array<double, n * n> j;
      M::jacobian(p_, state_view<const double>{y}, state_view<double>{j.data()});
      for (std::size_t c = 0; c < n; ++c) {
        double s = 0;
        for (std::size_t r = 0; r < n; ++r) s += j[r * n + c] * lambda[r];
        out_y[c] = s;
      }
    }
    if (out_p) out_p[0] = lambda[0] / M::capacitance(p_);
    return true;
  }

 private:
  params p_;
  double current_;
};

}  // namespace esbio::models
