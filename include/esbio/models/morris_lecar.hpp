#pragma once
// The Morris-Lecar neuron (Morris & Lecar 1981, Biophys. J. 35:193), in the form of docs/science.md 1.1:
//
//   C dV/dt = I - gCa m_inf(V) (V - ECa) - gK w (V - EK) - gL (V - EL)
//     dw/dt = phi (w_inf(V) - w) cosh((V - V3) / (2 V4))
//   m_inf(V) = (1 + tanh((V - V1) / V2)) / 2,   w_inf(V) = (1 + tanh((V - V3) / V4)) / 2
//
// Units: V in mV, t in ms, I in uA/cm^2, conductances in mS/cm^2, C in uF/cm^2.
// Defaults: the type I (SNIC) set of Rinzel & Ermentrout 1998 as coded by Hazelden et al. 2023
// (V4 = 17 where the textbook has 17.4; phi = 1/15). Oracles used in the tests: with V4 = 17.4
// the rest state vanishes in a saddle-node at I = 39.96; with the Hopf set (gCa = 4.4, V3 = 2,
// V4 = 30, phi = 0.04) it loses stability at I = 93.86.
//
// Jacobian (analytic):
//   dfV/dV = -(gCa (m_inf'(V)(V - ECa) + m_inf(V)) + gK w + gL) / C,   dfV/dw = -gK (V - EK) / C
//   dfw/dV = phi (w_inf'(V) cosh(x) + (w_inf(V) - w) sinh(x) / (2 V4)),  dfw/dw = -phi cosh(x),
//   x = (V - V3) / (2 V4).
// Adjoint (ml_neuron::vjp), with the single parameter p = I:
//   (J^T l)_V = dfV/dV l_V + dfw/dV l_w,   (J^T l)_w = dfV/dw l_V + dfw/dw l_w,
//   (df/dI)^T l = l_V / C.

#include "esbio/ode/system.hpp"

namespace esbio::models {

struct ml_params {
  double C = 20, gCa = 4, ECa = 120, gK = 8, EK = -84, gL = 2, EL = -60;
  double V1 = -1.2, V2 = 18, V3 = 12, V4 = 17, phi = 1.0 / 15.0;

  static ml_params snic() { return {}; }
  static ml_params hopf() {
    ml_params p;
    p.gCa = 4.4;
    p.V3 = 2;
    p.V4 = 30;
    p.phi = 0.04;
    return p;
  }

  double m_inf(double v) const;
  double w_inf(double v) const;
  // Ionic current gCa m_inf (V-ECa) + gK w (V-EK) + gL (V-EL): what the input must balance.
  double ionic_current(double v, double w) const;

  // One neuron's derivatives and their partials at (V, w) with input current I; the single
  // neuron and the network share this.
  struct local_terms {
    double dv, dw;                      // dV/dt, dw/dt
    double dv_dv, dv_dw, dw_dv, dw_dw;  // Jacobian entries (dv_dv without input coupling)
  };
  local_terms local(double v, double w, double current) const;
};

// One neuron driven by a constant current: states (V, w).
class ml_neuron final : public ode::system {
 public:
  explicit ml_neuron(ml_params p = {}, double current = 0) : p_(p), current_(current) {}
  void set_current(double i) { current_ = i; }
  void set_params(const ml_params& p) { p_ = p; }
  const ml_params& params() const { return p_; }

  std::size_t size() const override { return 2; }
  int rhs(double t, const double* y, double* ydot) override;
  bool jacobian(double t, const double* y, double* jac) override;
  // p = (I): task A's loss reaches its weight only through I = input_scale W.
  std::size_t parameter_count() const override { return 1; }
  bool vjp(double t, const double* y, const double* lambda, double* out_y, double* out_p) override;

 private:
  ml_params p_;
  double current_;
};

// Spike indicator of the synaptic output: sigmoid((V - threshold) * gain), computed without
// overflow for the very large gains of task A.
double spike_indicator(double v, double threshold, double gain);

}  // namespace esbio::models
