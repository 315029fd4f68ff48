#pragma once
// The Morris-Lecar neuron (Morris & Lecar 1981, Biophys. J. 35:193), in the form of
// docs/science.md 1.1, as a neuron_model (neuron_model.hpp):
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
//
// Every function of V is computed from two exponentials (gates_at): with x as above,
// y = (V - V1)/V2, u = e^{-|x|} and s = e^{-2|y|} (both in (0, 1], so nothing overflows),
//   m_inf = 1/(1 + e^{-2y}),  w_inf = 1/(1 + e^{-4x}),  cosh x = (1/u + u)/2,
// with m(1 - m) = s/(1 + s)^2 and wi(1 - wi) = u^4/(1 + u^4)^2 exact where 1 - m would cancel:
// the same functions as the tanh formulas, rounded differently (tests/unit/test_morris_lecar.cpp
// compares them).
//
// The fixed-step scheme is the paper's (docs/science.md 1.2): w by a trapezoid-like update linear
// in w, then V by Crank-Nicolson with the conductances frozen at the new w. Per neuron, h = dt/2,
// c = I/C:
//   tau = 1 / (phi cosh((V - V3)/(2 V4))),   w+ = (wi dt + (tau - h) w) / (tau + h)
//   g = (gCa m + gK w+ + gL) / C,   e = (gCa ECa m + gK EK w+ + gL EL) / C
//   V+ = (V (1 - h g) + dt (e + c)) / (1 + h g)
// computed (step) as fractions of bounded factors with one reciprocal, as increments:
//   wi  = nw / Q,   nw = (x >= 0 ? 1 : u^4),   Q = 1 + u^4
//   tau = A / B,    A = 2u,   B = phi (1 + u^2)
//   w+  = Nw / Rw,  Nw = dt nw B + (A - h B) w Q,   Rw = (A + h B) Q
//   m   = nm / P,   nm = (y >= 0 ? 1 : s),   P = 1 + s
//   G = (gCa nm Rw + gK Nw P + gL P Rw) / C,   E = (gCa ECa nm Rw + gK EK Nw P + gL EL P Rw) / C
//   D = P Rw + h G,   r = 1 / (Rw D)
//   w+ = w + dt B (nw - w Q) D r,   V+ = V + dt (E + c P Rw - G V) Rw r.
// Written as increments, the rounding errors are relative to a step's change rather than to V
// and w, which float32 needs; float64 trajectories agree with the formulas to ~1e-12 mV over a
// trial (tests/unit/test_network.cpp keeps the formulas and checks 1e-9).
//
// The reverse (step_vjp), with D' = 1 + h g and a = lV / D' (lV: dL/dV+, the output's share
// included by the network):
//   lg = -a h (V + V+),  le = a dt,  lw+ = lw + gK (lg + EK le) / C,  lm = gCa (lg + ECa le) / C
//   lw' = lw+ (tau - h) / (tau + h)
//   lV' = a (1 - h g) + lm m'(V) + lw+ (dt wi'(V) + (w - w+) dtau/dV) / (tau + h),
//   dtau/dV = -tau tanh(x) / (2 V4),   dL/dc = a dt,
// with m' = 2 m (1 - m) / V2, wi' = 2 wi (1 - wi) / V4 and tanh(x) = sign(x) (1 - u^2)/(1 + u^2)
// from the same two exponentials.

#include <array>
#include <cmath>
#include <span>

#include "esbio/models/neuron_model.hpp"

namespace esbio::models {

struct morris_lecar {
  static constexpr const char* name = "morris_lecar";
  static constexpr std::size_t states = 2;
  static constexpr std::array<const char*, states> state_names{"V", "w"};
  static constexpr std::array<const char*, 3> current_names{"I_Ca", "I_K", "I_L"};

  struct params {
    double C = 20, gCa = 4, ECa = 120, gK = 8, EK = -84, gL = 2, EL = -60;
    double V1 = -1.2, V2 = 18, V3 = 12, V4 = 17, phi = 1.0 / 15.0;

    static params snic() { return {}; }
    static params hopf() {
      params p;
      p.gCa = 4.4;
      p.V3 = 2;
      p.V4 = 30;
      p.phi = 0.04;
      return p;
    }
    bool operator==(const params&) const = default;
  };

  static std::span<const model_constant<params>> constants();
  static double capacitance(const params& p) { return p.C; }

  // The gating functions at V (see above); slopes are m(1 - m) and wi(1 - wi).
  struct gates {
    double m_inf, m_slope, w_inf, w_slope, cosh_x, sinh_x;
  };
  static gates gates_at(double v, const params& q) {
    const double x = (v - q.V3) / (2 * q.V4), y = (v - q.V1) / q.V2;
    const double u = std::exp(-std::abs(x)), s = std::exp(-2 * std::abs(y));
    const double u4 = (u * u) * (u * u);
    const double pm = 1 / (1 + s), pw = 1 / (1 + u4), inv_u = 1 / u;
    gates g;
    g.m_inf = (y >= 0 ? 1.0 : s) * pm;
    g.m_slope = s * pm * pm;
    g.w_inf = (x >= 0 ? 1.0 : u4) * pw;
    g.w_slope = u4 * pw * pw;
    g.cosh_x = 0.5 * (inv_u + u);
    g.sinh_x = (x >= 0 ? 0.5 : -0.5) * (inv_u - u);
    return g;
  }

  static void rates(const params& q, state_view<const double> y, double current,
                    state_view<double> dy) {
    const double v = y[0], w = y[1];
    const gates g = gates_at(v, q);
    const double ionic = q.gCa * g.m_inf * (v - q.ECa) + q.gK * w * (v - q.EK) + q.gL * (v - q.EL);
    dy[0] = (current - ionic) * (1 / q.C);
    dy[1] = q.phi * (g.w_inf - w) * g.cosh_x;
  }

  static void jacobian(const params& q, state_view<const double> y, state_view<double> jac) {
    const double v = y[0], w = y[1], inv_c = 1 / q.C;
    const gates g = gates_at(v, q);
    const double dm = 2 * g.m_slope / q.V2, dw_inf = 2 * g.w_slope / q.V4;
    jac[0] = -(q.gCa * (dm * (v - q.ECa) + g.m_inf) + q.gK * w + q.gL) * inv_c;
    jac[1] = -q.gK * (v - q.EK) * inv_c;
    jac[2] = q.phi * (dw_inf * g.cosh_x + (g.w_inf - w) * g.sinh_x / (2 * q.V4));
    jac[3] = -q.phi * g.cosh_x;
  }

  static void currents(const params& q, state_view<const double> y, state_view<double> out) {
    const double v = y[0];
    out[0] = q.gCa * gates_at(v, q).m_inf * (v - q.ECa);
    out[1] = q.gK * y[1] * (v - q.EK);
    out[2] = q.gL * (v - q.EL);
  }

  static void steady_state(const params& q, double v, state_view<double> y) {
    y[0] = v;
    y[1] = gates_at(v, q).w_inf;
  }

  template <class real>
  struct step_constants {
    real dt, h;                              // the forward's dt/2 is halved in real
    real v1, inv_v2, v3, inv_2v4, phi;       // gating
    real g_ca, g_k, g_l, e_ca, e_k, e_l;     // conductances and their products with E, over C
    real half, inv_c, gca, gk, gl, eca, ek;  // the reverse's (half rounded from double)
  };

  template <class real>
  static step_constants<real> prepare(const params& q, double dt) {
    step_constants<real> k;
    k.dt = static_cast<real>(dt);
    k.h = k.dt / 2;
    k.v1 = real(q.V1);
    k.inv_v2 = real(1 / q.V2);
    k.v3 = real(q.V3);
    k.inv_2v4 = real(1 / (2 * q.V4));
    k.phi = real(q.phi);
    k.g_ca = real(q.gCa / q.C);
    k.g_k = real(q.gK / q.C);
    k.g_l = real(q.gL / q.C);
    k.e_ca = real(q.gCa * q.ECa / q.C);
    k.e_k = real(q.gK * q.EK / q.C);
    k.e_l = real(q.gL * q.EL / q.C);
    k.half = real(dt / 2);
    k.inv_c = real(1 / q.C);
    k.gca = real(q.gCa);
    k.gk = real(q.gK);
    k.eca = real(q.ECa);
    k.gl = real(q.gL);
    k.ek = real(q.EK);
    return k;
  }

  template <class real>
  static void step(const step_constants<real>& k, step_input<real> in, state_view<real> st) {
    const real dt = k.dt, h = k.h;
    // Each input is read where the old ml_network kernel read it: one read before the
    // exponentials' calls is a value kept across them (a spill and a reload per step).
    const real vk = st[0];
    const real x = (vk - k.v3) * k.inv_2v4, y = (vk - k.v1) * k.inv_v2;
    const real u = std::exp(-std::abs(x)), s = std::exp(-2 * std::abs(y));
    const real u2 = u * u, u4 = u2 * u2;
    const real nw = x >= 0 ? real(1) : u4, qw = 1 + u4;
    const real a = 2 * u, b = k.phi * (1 + u2);
    const real wk = st[1];
    const real n_w = dt * nw * b + (a - h * b) * wk * qw, r_w = (a + h * b) * qw;
    const real nm = y >= 0 ? real(1) : s, pm = 1 + s, pr = pm * r_w;
    const real gg = k.g_ca * nm * r_w + k.g_k * n_w * pm + k.g_l * pr;
    const real ee = k.e_ca * nm * r_w + k.e_k * n_w * pm + k.e_l * pr;
    const real c = in.c();
    const real d = pr + h * gg;
    const real r = 1 / (r_w * d);
    st[0] = vk + dt * (ee + c * pr - gg * vk) * r_w * r;
    st[1] = wk + dt * b * (nw - wk * qw) * d * r;
  }

  template <class real>
  static real step_vjp(const step_constants<real>& k, state_view<const real> st,
                       state_view<const real> st_new, state_view<real> l) {
    const real half = k.half, h = k.dt;
    const real vk = st[0], wk = st[1], vnk = st_new[0], wnk = st_new[1];
    const real x = (vk - k.v3) * k.inv_2v4, y = (vk - k.v1) * k.inv_v2;
    const real u = std::exp(-std::abs(x)), s = std::exp(-2 * std::abs(y));
    const real u2 = u * u, u4 = u2 * u2, pm = 1 + s, qw = 1 + u4;
    const real r_pq = 1 / (pm * qw);
    const real m_inf = (y >= 0 ? real(1) : s) * qw * r_pq;
    const real w_inf = (x >= 0 ? real(1) : u4) * pm * r_pq;
    const real dm = 2 * m_inf * (1 - m_inf) * k.inv_v2;
    const real dwinf = 4 * w_inf * (1 - w_inf) * k.inv_2v4;
    const real a_tau = 2 * u, b_tau = k.phi * (1 + u2);
    const real r_tau = 1 / (b_tau * (a_tau + half * b_tau));
    const real tau = a_tau * (a_tau + half * b_tau) * r_tau;  // A / B
    const real inv_th = b_tau * b_tau * r_tau;                // 1 / (tau + h)
    const real th_x = (x >= 0 ? real(1) : real(-1)) * (1 - u2) / (1 + u2);
    const real dtau = -tau * th_x * k.inv_2v4;
    const real g = (k.gca * m_inf + k.gk * wnk + k.gl) * k.inv_c;
    const real d_inv = 1 / (1 + half * g);
    const real a = l[0] * d_inv;
    const real lg = -a * half * (vk + vnk), le = a * h;
    const real lwn = l[1] + k.gk * (lg + k.ek * le) * k.inv_c;
    const real lm = k.gca * (lg + k.eca * le) * k.inv_c;
    l[1] = lwn * (tau - half) * inv_th;
    l[0] = a * (1 - half * g) + lm * dm + lwn * (h * dwinf + (wk - wnk) * dtau) * inv_th;
    return a;
  }
};

static_assert(neuron_model<morris_lecar>);

}  // namespace esbio::models
