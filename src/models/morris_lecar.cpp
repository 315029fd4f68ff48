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

int ml_neuron::rhs(double, const double* y, double* ydot) const {
  const double v = y[0], w = y[1];
  ydot[0] = (current_ - p_.ionic_current(v, w)) / p_.C;
  ydot[1] = p_.phi * (p_.w_inf(v) - w) * std::cosh((v - p_.V3) / (2 * p_.V4));
  return 0;
}

bool ml_neuron::jacobian(double, const double* y, double* jac) const {
  const double v = y[0], w = y[1];
  const double sm = 1 / std::cosh((v - p_.V1) / p_.V2);
  const double sw = 1 / std::cosh((v - p_.V3) / p_.V4);
  const double dm = 0.5 * sm * sm / p_.V2, dw = 0.5 * sw * sw / p_.V4;
  const double x = (v - p_.V3) / (2 * p_.V4);
  // Column-major 2x2.
  jac[0] = -(p_.gCa * (dm * (v - p_.ECa) + p_.m_inf(v)) + p_.gK * w + p_.gL) / p_.C;
  jac[1] = p_.phi * (dw * std::cosh(x) + (p_.w_inf(v) - w) * std::sinh(x) / (2 * p_.V4));
  jac[2] = -p_.gK * (v - p_.EK) / p_.C;
  jac[3] = -p_.phi * std::cosh(x);
  return true;
}

double spike_indicator(double v, double threshold, double gain) {
  const double x = (v - threshold) * gain;
  if (x >= 0) return 1 / (1 + std::exp(-x));
  const double e = std::exp(x);
  return e / (1 + e);
}

}  // namespace esbio::models
