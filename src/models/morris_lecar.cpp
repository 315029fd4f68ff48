#include "esbio/models/morris_lecar.hpp"

#include <cmath>

namespace esbio::models {

double ml_params::m_inf(double v) const {
  return 0.5 * (1 + std::tanh((v - V1) / V2));
}
double ml_params::w_inf(double v) const {
  return 0.5 * (1 + std::tanh((v - V3) / V4));
}

double ml_params::ionic_current(double v, double w) const {
  return gCa * m_inf(v) * (v - ECa) + gK * w * (v - EK) + gL * (v - EL);
}

ml_params::local_terms ml_params::local(double v, double w, double current) const {
  const double sm = 1 / std::cosh((v - V1) / V2);
  const double sw = 1 / std::cosh((v - V3) / V4);
  const double dm = 0.5 * sm * sm / V2, dwinf = 0.5 * sw * sw / V4;
  const double x = (v - V3) / (2 * V4), ch = std::cosh(x);
  const double winf = w_inf(v);
  return {(current - ionic_current(v, w)) / C,
          phi * (winf - w) * ch,
          -(gCa * (dm * (v - ECa) + m_inf(v)) + gK * w + gL) / C,
          -gK * (v - EK) / C,
          phi * (dwinf * ch + (winf - w) * std::sinh(x) / (2 * V4)),
          -phi * ch};
}

int ml_neuron::rhs(double, const double* y, double* ydot) {
  const auto l = p_.local(y[0], y[1], current_);
  ydot[0] = l.dv;
  ydot[1] = l.dw;
  return 0;
}

bool ml_neuron::jacobian(double, const double* y, double* jac) {
  const auto l = p_.local(y[0], y[1], current_);
  jac[0] = l.dv_dv;  // column-major 2x2
  jac[1] = l.dw_dv;
  jac[2] = l.dv_dw;
  jac[3] = l.dw_dw;
  return true;
}

bool ml_neuron::vjp(double, const double* y, const double* lambda, double* out_y, double* out_p) {
  const auto l = p_.local(y[0], y[1], current_);
  if (out_y) {
    out_y[0] = l.dv_dv * lambda[0] + l.dw_dv * lambda[1];
    out_y[1] = l.dv_dw * lambda[0] + l.dw_dw * lambda[1];
  }
  if (out_p) out_p[0] = lambda[0] / p_.C;
  return true;
}

double spike_indicator(double v, double threshold, double gain) {
  const double x = (v - threshold) * gain;
  if (x >= 0) return 1 / (1 + std::exp(-x));
  const double e = std::exp(x);
  return e / (1 + e);
}

}  // namespace esbio::models
