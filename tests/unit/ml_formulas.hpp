#pragma once
// The Morris-Lecar equations as the textbook writes them (tanh and cosh, docs/science.md 1.1):
// the tests' independent reference for morris_lecar.hpp, which computes the same functions from
// two exponentials.

#include <cmath>

#include "esbio/models/morris_lecar.hpp"

namespace ml_formulas {

using params = esbio::models::morris_lecar::params;

inline double m_inf(const params& p, double v) {
  return 0.5 * (1 + std::tanh((v - p.V1) / p.V2));
}
inline double w_inf(const params& p, double v) {
  return 0.5 * (1 + std::tanh((v - p.V3) / p.V4));
}
inline double ionic_current(const params& p, double v, double w) {
  return p.gCa * m_inf(p, v) * (v - p.ECa) + p.gK * w * (v - p.EK) + p.gL * (v - p.EL);
}

struct local_terms {
  double dv, dw;                      // dV/dt, dw/dt
  double dv_dv, dv_dw, dw_dv, dw_dw;  // the Jacobian's entries
};

inline local_terms local(const params& p, double v, double w, double current) {
  const double sm = 1 / std::cosh((v - p.V1) / p.V2);
  const double sw = 1 / std::cosh((v - p.V3) / p.V4);
  const double dm = 0.5 * sm * sm / p.V2, dwinf = 0.5 * sw * sw / p.V4;
  const double x = (v - p.V3) / (2 * p.V4), ch = std::cosh(x);
  const double winf = w_inf(p, v);
  return {(current - ionic_current(p, v, w)) / p.C,
          p.phi * (winf - w) * ch,
          -(p.gCa * (dm * (v - p.ECa) + m_inf(p, v)) + p.gK * w + p.gL) / p.C,
          -p.gK * (v - p.EK) / p.C,
          p.phi * (dwinf * ch + (winf - w) * std::sinh(x) / (2 * p.V4)),
          -p.phi * ch};
}

}  // namespace ml_formulas
