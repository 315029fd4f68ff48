#pragma once
// The Hodgkin-Huxley equations and fixed-step scheme as docs/science.md 1.5 writes them, in long
// double, with expm1 at the removable singularities: the tests' independent reference for
// hodgkin_huxley.hpp, which computes the same functions from three exponentials, Taylor series
// and rearranged increments. No clamp: the references hold for V within the model's clamp.

#include <array>
#include <cmath>

#include "esbio/models/hodgkin_huxley.hpp"

namespace hh_formulas {

using ld = long double;
using params = esbio::models::hodgkin_huxley::params;

// x / (1 - e^{-x}) (the shape of alpha_m and alpha_n), with its limit 1 at x = 0.
inline ld vtrap(ld x) {
  return x == 0 ? 1.0L : x / -std::expm1(-x);
}

// Its derivative, (e^x - 1 - x) / (e^x (1 - e^{-x})^2). Within 1e-2 of 0 the cancellation in
// e^x - 1 - x would cost 2e-17 relative even in long double, so there the series
// 1/2 + x/6 - x^3/180 + x^5/5040 - x^7/151200 (next term 2e-25) is used.
inline ld vtrap_slope(ld x) {
  if (std::fabs(x) < 1e-2L) {
    const ld x2 = x * x;
    return 0.5L + x * (1.0L / 6 + x2 * (-1.0L / 180 + x2 * (1.0L / 5040 - x2 / 151200)));
  }
  const ld d = std::expm1(-x);
  return (std::expm1(x) - x) / (std::exp(x) * d * d);
}

struct rates {
  ld am, bm, ah, bh, an, bn;
};

inline rates rates_at(ld v) {
  return {vtrap((v + 40) / 10),
          4 * std::exp(-(v + 65) / 18),
          0.07L * std::exp(-(v + 65) / 20),
          1 / (1 + std::exp(-(v + 35) / 10)),
          0.1L * vtrap((v + 55) / 10),
          0.125L * std::exp(-(v + 65) / 80)};
}

// d/dV of each rate.
inline rates slopes_at(ld v) {
  const ld eh = std::exp(-(v + 35) / 10);
  return {vtrap_slope((v + 40) / 10) / 10,        -4 * std::exp(-(v + 65) / 18) / 18,
          -0.07L * std::exp(-(v + 65) / 20) / 20, eh / ((1 + eh) * (1 + eh)) / 10,
          0.1L * vtrap_slope((v + 55) / 10) / 10, -0.125L * std::exp(-(v + 65) / 80) / 80};
}

inline ld phi(const params& p) {
  return std::pow(3.0L, (ld(p.T) - 6.3L) / 10);
}

inline ld ionic_current(const params& p, ld v, ld m, ld h, ld n) {
  return p.gNa * m * m * m * h * (v - p.ENa) + p.gK * n * n * n * n * (v - p.EK) +
         p.gL * (v - p.EL);
}

// One step of the scheme (scheme_gates, then scheme_voltage): each gate x <- x_inf + (x - x_inf)
// exp(-phi (a + b) dt) at the old V, then V <- (C V/dt + sum g E + I) / (C/dt + sum g) with the new
// gates; I = c C.
struct scheme_result {
  std::array<ld, 4> y;
  std::array<ld, 3> x_inf, decay;  // m, h, n
};

inline scheme_result scheme_gates(const params& p, ld dt, const std::array<ld, 4>& y) {
  const rates r = rates_at(y[0]);
  const ld f = phi(p);
  scheme_result out;
  const ld a[3] = {r.am, r.ah, r.an}, b[3] = {r.bm, r.bh, r.bn};
  for (int g = 0; g < 3; ++g) {
    out.x_inf[g] = a[g] / (a[g] + b[g]);
    out.decay[g] = std::exp(-f * (a[g] + b[g]) * dt);
    out.y[g + 1] = out.x_inf[g] + (y[g + 1] - out.x_inf[g]) * out.decay[g];
  }
  out.y[0] = y[0];  // V is updated by scheme_voltage
  return out;
}

// The V update alone, from the new gates.
inline ld scheme_voltage(const params& p, ld dt, ld c, ld v, ld m, ld h, ld n) {
  const ld g_na = p.gNa * m * m * m * h, g_k = p.gK * n * n * n * n;
  return (p.C * v / dt + g_na * p.ENa + g_k * p.EK + p.gL * p.EL + c * p.C) /
         (p.C / dt + g_na + g_k + p.gL);
}

inline std::array<ld, 4> scheme(const params& p, ld dt, ld c, const std::array<ld, 4>& y) {
  auto r = scheme_gates(p, dt, y);
  r.y[0] = scheme_voltage(p, dt, c, y[0], r.y[1], r.y[2], r.y[3]);
  return r.y;
}

}  // namespace hh_formulas
