#pragma once
// The Hodgkin-Huxley neuron (Hodgkin & Huxley 1952, J. Physiol. 117:500, the squid giant axon) in
// the modern sign convention (outward current positive, V the membrane potential, rest near
// -65 mV), at 6.3 degrees C, as a neuron_model (neuron_model.hpp); docs/science.md 1.5:
//
//   C dV/dt = I - gNa m^3 h (V - ENa) - gK n^4 (V - EK) - gL (V - EL)
//     dx/dt = phi (alpha_x(V) (1 - x) - beta_x(V) x),   x in {m, h, n},
//       phi = 3^((T - 6.3)/10)   (Q10 = 3; every rate is multiplied by it)
//   alpha_m = 0.1 (V + 40) / (1 - e^{-(V+40)/10})    beta_m = 4 e^{-(V+65)/18}
//   alpha_h = 0.07 e^{-(V+65)/20}                    beta_h = 1 / (1 + e^{-(V+35)/10})
//   alpha_n = 0.01 (V + 55) / (1 - e^{-(V+55)/10})   beta_n = 0.125 e^{-(V+65)/80}
//
// Units: V in mV, t in ms, I in uA/cm^2, conductances in mS/cm^2, C in uF/cm^2, rates in 1/ms,
// T in degrees C. Defaults: C = 1, gNa = 120, ENa = 50, gK = 36, EK = -77, gL = 0.3,
// EL = -54.387, T = 6.3: Hodgkin & Huxley's own constants (V_Na = -115, V_K = 12,
// V_l = -10.613 mV from rest, depolarisation negative) turned to today's sign and shifted to a
// rest of -65 mV, as in Dayan & Abbott 2001 (ch. 5); at I = 0 the rest state is -64.996 mV.
// Oracles (tests/unit/test_hodgkin_huxley.cpp): the rest state loses stability in a subcritical
// Hopf bifurcation at I = 9.78 (9.7754 from this Jacobian) and a stable limit cycle exists from
// I = 6.26 (a fold of cycles; Rinzel & Miller 1980), so a step from rest fires periodically at
// 6.4, not at 6.0.
//
// Every rate is computed from three exponentials of the voltage, with s = (V + 40)/10:
//   E = e^{-s}:  alpha_m = f(s),  alpha_n = 0.1 f(s + 1.5),  beta_h = 1 / (1 + e^{1/2} E),
//     where f(s) = s / (1 - e^{-s}) and e^{-(V+55)/10} = e^{-3/2} E;
//   q = e^{-(V+65)/80}:  beta_n = 0.125 q,  alpha_h = 0.07 q^4;
//   beta_m = 4 e^{-(V+65)/18}  (18 shares no integer ratio with 10 or 80).
// f has a removable singularity at s = 0 (alpha_m at V = -40, alpha_n at V = -55), where
// 1 - e^{-s} cancels: its relative error is u/|s| (u the unit roundoff, eps/2) and that of
// f'(s) = (1 - E - s E)/(1 - E)^2 about 4u/s^2. For |s| < 1/2 (5 mV either side of the two
// points) f is taken from its Taylor series instead, f(s) = s/2 + (s/2) coth(s/2) = s/2 +
// sum_k B_2k s^2k / (2k)! (Bernoulli numbers; radius 2 pi), to s^6 in float and s^14 in double
// (f' to s^7 and s^15), where the first omitted term is below u at |s| = 1/2. So f is within a
// few eps everywhere and f' within about 10 eps, at the windows' edges (falling as 1/s^2 beyond
// them); the tests measure 3.5 and 9.1 eps in either precision. The two windows are 15 mV apart,
// so one polynomial serves both (its argument is s or s + 1.5 by a select), and the direct
// branch's denominator is set to 1 inside a window, so nothing divides by zero. The six rates
// share one reciprocal.
//
// Overflow guard: the rates see V clamped to [v_min, v_max] = [-200, 200] mV, so E stays within
// [e^-24, e^16] and the largest intermediate, (1 - E)(1 - e^{-3/2} E)(1 + e^{1/2} E), is 3e20:
// nothing overflows in float32, at V = +-1000 mV or anywhere else an ES member may drive V. It is
// harmless: the clamp acts on the gate kinetics only, never on the driving forces; a
// physiological trajectory stays within [EK, ENa] and a few mV; holding V at +200 mV takes
// 1e4 uA/cm^2 (at -200 mV, -44: only the leak conducts there); and at both edges every gate is
// saturated (m_inf and h_inf within 1.3e-7 of 0 or 1, n_inf within 1.8e-3 at +200 and 1.1e-6 at
// -200), so beyond them only the time constants of saturated gates differ from the formulas
// (tau_n stays 1.5 ms below -200 mV, for instance). The rates are continuous across the clamp;
// their slopes are zero outside it, consistently in the Jacobian and the reverse.
//
// Jacobian (analytic; rows V, m, h, n; g = gNa m^3 h + gK n^4 + gL):
//   dfV/dV = -g/C,  dfV/dm = -3 gNa m^2 h (V - ENa)/C,  dfV/dh = -gNa m^3 (V - ENa)/C,
//   dfV/dn = -4 gK n^3 (V - EK)/C,  dfx/dV = phi (alpha_x' (1 - x) - beta_x' x),
//   dfx/dx = -phi (alpha_x + beta_x), all other entries 0.
// Slopes: alpha_m' = f'(s)/10, alpha_n' = f'(s + 1.5)/100, beta_h' = e^{1/2} E beta_h^2 / 10,
// beta_m' = -beta_m/18, alpha_h' = -alpha_h/20, beta_n' = -beta_n/80.
//
// The fixed-step scheme (issue 26's; what NEURON and Jaxley use): each gate by exponential Euler
// (Rush-Larsen) at the old V, then V by linearly implicit Euler with the new gates. Per neuron,
// with sigma_x = alpha_x + beta_x, x_inf = alpha_x / sigma_x, z_x = phi dt sigma_x, c = I/C:
//   x+ = x_inf + (x - x_inf) e^{-z_x} = x + (x_inf - x) (1 - e^{-z_x})
//   G = (gNa m+^3 h+ + gK n+^4 + gL)/C
//   V+ = (V/dt + (gNa m+^3 h+ ENa + gK n+^4 EK + gL EL)/C + c) / (1/dt + G)
// computed as increments, x+ = x + (alpha_x - sigma_x x) (1 - e^{-z}) / sigma_x and
// V+ = V + (c + sum_i g_i (E_i - V)) / (1/dt + G), so rounding errors are relative to a step's
// change, not to the state (float32 needs this). 1 - e^{-z} cancels for small z (the usual
// case: z_h is about 1e-3 at dt = 0.01), so for z < 1/2 it is z times its Taylor series (to z^8
// in float, z^14 in double; without it a float32 gate's change is off by up to 300 ulps).
// glibc vectorises expm1 only from 2.35 on (here 2.36; RHEL 8 and 9 ship 2.28 and 2.34), so
// the kernels use exp alone. Exponentials per neuron-step: 3 for the rates and 3 for the gates'
// decays, 6 in step and 6 in step_vjp; divisions: 3 in each.
//
// The reverse (step_vjp), with lV, lx the adjoints of V+, x+ on entry, p = phi dt, D_x = e^{-z_x}:
//   a = lV / (1 + dt G)                    (= dL/dV through V+'s numerator, and dL/dc / dt)
//   w_Na = a dt gNa (ENa - V+)/C,   w_K = a dt gK (EK - V+)/C
//   lm+ = lm + 3 m+^2 h+ w_Na,   lh+ = lh + m+^3 w_Na,   ln+ = ln + 4 n+^3 w_K
//   dL/dx = lx+ D_x,   dL/dV = a + sum_x lx+ dx+/dV,
//   dx+/dV = x_inf' (1 - D_x) + (x_inf - x) D_x p sigma_x',
//   x_inf' = (alpha' beta - alpha beta') / sigma^2.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <span>
#include <type_traits>

#include "esbio/models/neuron_model.hpp"

namespace esbio::models {

struct hodgkin_huxley {
  static constexpr const char* name = "hodgkin_huxley";
  static constexpr std::size_t states = 4;
  static constexpr std::array<const char*, states> state_names{"V", "m", "h", "n"};
  static constexpr std::array<const char*, 3> current_names{"I_Na", "I_K", "I_L"};

  struct params {
    double C = 1, gNa = 120, ENa = 50, gK = 36, EK = -77, gL = 0.3, EL = -54.387;
    double T = 6.3;
    bool operator==(const params&) const = default;
  };

  static std::span<const model_constant<params>> constants();
  static double capacitance(const params& p) { return p.C; }
  // phi = 3^((T - 6.3)/10), written with exp (the one function the hot loops may call). rates and
  // jacobian call it each time: a caller that holds p in a local lets the compiler hoist it out
  // of its loop (through a reference it cannot, as the loop's stores might alias p.T).
  static double temperature_factor(const params& p) {
    return std::exp(0.10986122886681098 * (p.T - 6.3));  // ln(3)/10
  }

  // The rates see V clamped to this range (see above).
  static constexpr double v_min = -200, v_max = 200;

  // The six rates (1/ms, at 6.3 degrees C: without phi) at V, and their slopes d/dV (zero outside
  // the clamp). A caller that uses no slope pays for none: they are dead code after inlining.
  template <class real>
  struct kinetics {
    real am, bm, ah, bh, an, bn;
    real dam, dbm, dah, dbh, dan, dbn;
  };

  template <class real>
  [[gnu::always_inline]] static kinetics<real> kinetics_at(real v) {
    // Series lengths where the first omitted term is below u at |s| = 1/2 (see above).
    constexpr std::size_t terms = std::is_same_v<real, float> ? 4 : 8;
    const real vr = std::min(std::max(v, real(v_min)), real(v_max));
    const real inside = vr == v ? real(1) : real(0);
    const real s = (vr + 40) * real(0.1), t = s + real(1.5);
    const real e = std::exp(-s);
    const real en = e * real(0.22313016014842982), eh = e * real(1.6487212707001282);
    const bool near_s = std::abs(s) < real(0.5), near_t = std::abs(t) < real(0.5);
    // One Taylor polynomial for whichever of s, t is near 0 (|t| <= 25.5: no overflow outside).
    const real z = near_s ? s : t, w = z * z;
    const real fz = real(0.5) * z + horner<real, terms>(f_even, w);
    const real dfz = real(0.5) + z * horner<real, terms>(f_odd, w);
    const real dm = near_s ? real(1) : 1 - e, dn = near_t ? real(1) : 1 - en, ph = 1 + eh;
    const real r = 1 / (dm * dn * ph);
    const real rm = dn * ph * r, rn = dm * ph * r;  // 1/(1 - e), 1/(1 - en)
    const real q = std::exp((vr + 65) * real(-1.0 / 80)), q2 = q * q;
    kinetics<real> k;
    k.am = near_s ? fz : s * rm;
    k.an = real(0.1) * (near_t ? fz : t * rn);
    k.bh = dm * dn * r;
    k.bm = 4 * std::exp((vr + 65) * real(-1.0 / 18));
    k.ah = real(0.07) * (q2 * q2);
    k.bn = real(0.125) * q;
    k.dam = inside * real(0.1) * (near_s ? dfz : (dm - s * e) * (rm * rm));
    k.dan = inside * real(0.01) * (near_t ? dfz : (dn - t * en) * (rn * rn));
    k.dbh = inside * real(0.1) * eh * (k.bh * k.bh);
    k.dbm = inside * k.bm * real(-1.0 / 18);
    k.dah = inside * k.ah * real(-1.0 / 20);
    k.dbn = inside * k.bn * real(-1.0 / 80);
    return k;
  }

  // 1 - e^{-z} for z >= 0, given d = e^{-z}: accurate relative to itself for small z.
  template <class real>
  [[gnu::always_inline]] static real one_minus_exp(real z, real d) {
    // The first omitted term is below u at z = 1/2.
    constexpr std::size_t terms = std::is_same_v<real, float> ? 8 : 14;
    return z < real(0.5) ? z * horner<real, terms>(expm1_series, z) : 1 - d;
  }

  static void rates(const params& q, state_view<const double> y, double current,
                    state_view<double> dy) {
    const double v = y[0], m = y[1], h = y[2], n = y[3];
    const auto k = kinetics_at(v);
    const double phi = temperature_factor(q), m3h = m * m * m * h, n2 = n * n;
    dy[0] =
        (current + q.gNa * m3h * (q.ENa - v) + q.gK * (n2 * n2) * (q.EK - v) + q.gL * (q.EL - v)) *
        (1 / q.C);
    dy[1] = phi * (k.am * (1 - m) - k.bm * m);
    dy[2] = phi * (k.ah * (1 - h) - k.bh * h);
    dy[3] = phi * (k.an * (1 - n) - k.bn * n);
  }

  static void jacobian(const params& q, state_view<const double> y, state_view<double> jac) {
    const double v = y[0], m = y[1], h = y[2], n = y[3], inv_c = 1 / q.C;
    const auto k = kinetics_at(v);
    const double phi = temperature_factor(q), m2h = m * m * h, n3 = n * n * n;
    jac[0] = -(q.gNa * m2h * m + q.gK * n3 * n + q.gL) * inv_c;
    jac[1] = -3 * q.gNa * m2h * (v - q.ENa) * inv_c;
    jac[2] = -q.gNa * (m * m * m) * (v - q.ENa) * inv_c;
    jac[3] = -4 * q.gK * n3 * (v - q.EK) * inv_c;
    jac[4] = phi * (k.dam * (1 - m) - k.dbm * m);
    jac[5] = -phi * (k.am + k.bm);
    jac[6] = 0;
    jac[7] = 0;
    jac[8] = phi * (k.dah * (1 - h) - k.dbh * h);
    jac[9] = 0;
    jac[10] = -phi * (k.ah + k.bh);
    jac[11] = 0;
    jac[12] = phi * (k.dan * (1 - n) - k.dbn * n);
    jac[13] = 0;
    jac[14] = 0;
    jac[15] = -phi * (k.an + k.bn);
  }

  static void currents(const params& q, state_view<const double> y, state_view<double> out) {
    const double v = y[0], m = y[1], h = y[2], n = y[3];
    out[0] = q.gNa * (m * m * m * h) * (v - q.ENa);
    out[1] = q.gK * ((n * n) * (n * n)) * (v - q.EK);
    out[2] = q.gL * (v - q.EL);
  }

  static void steady_state(const params&, double v, state_view<double> y) {
    const auto k = kinetics_at(v);
    y[0] = v;
    y[1] = k.am / (k.am + k.bm);
    y[2] = k.ah / (k.ah + k.bh);
    y[3] = k.an / (k.an + k.bn);
  }

  template <class real>
  struct step_constants {
    real dt, inv_dt, phi_dt;  // phi dt scales the gates' rates
    real g_na, g_k, g_l;      // conductances over C
    real e_na, e_k, e_l;
  };

  template <class real>
  static step_constants<real> prepare(const params& q, double dt) {
    step_constants<real> k;
    k.dt = static_cast<real>(dt);
    k.inv_dt = static_cast<real>(1 / dt);
    k.phi_dt = static_cast<real>(temperature_factor(q) * dt);
    k.g_na = static_cast<real>(q.gNa / q.C);
    k.g_k = static_cast<real>(q.gK / q.C);
    k.g_l = static_cast<real>(q.gL / q.C);
    k.e_na = static_cast<real>(q.ENa);
    k.e_k = static_cast<real>(q.EK);
    k.e_l = static_cast<real>(q.EL);
    return k;
  }

  template <class real>
  [[gnu::always_inline]] static void step(const step_constants<real>& k, step_input<real> in,
                                          state_view<real> st) {
    const real v = st[0], m = st[1], h = st[2], n = st[3];
    const auto r = kinetics_at(v);
    const real sm = r.am + r.bm, sh = r.ah + r.bh, sn = r.an + r.bn;
    const real zm = k.phi_dt * sm, zh = k.phi_dt * sh, zn = k.phi_dt * sn;
    const real em = one_minus_exp(zm, std::exp(-zm)), eh = one_minus_exp(zh, std::exp(-zh)),
               en = one_minus_exp(zn, std::exp(-zn));
    const real inv = 1 / (sm * sh * sn);
    const real mn = m + (r.am - sm * m) * em * (sh * sn * inv);
    const real hn = h + (r.ah - sh * h) * eh * (sm * sn * inv);
    const real nn = n + (r.an - sn * n) * en * (sm * sh * inv);
    st[1] = mn;
    st[2] = hn;
    st[3] = nn;
    const real n2 = nn * nn;
    const real g_na = k.g_na * (mn * mn * mn * hn), g_k = k.g_k * (n2 * n2);
    const real num = in.c() + g_na * (k.e_na - v) + g_k * (k.e_k - v) + k.g_l * (k.e_l - v);
    st[0] = v + num / (k.inv_dt + g_na + g_k + k.g_l);
  }

  template <class real>
  [[gnu::always_inline]] static real step_vjp(const step_constants<real>& k,
                                              state_view<const real> st,
                                              state_view<const real> st_new, state_view<real> l) {
    const real v = st[0], m = st[1], h = st[2], n = st[3];
    const real vn = st_new[0], mn = st_new[1], hn = st_new[2], nn = st_new[3];
    const auto r = kinetics_at(v);
    const real sm = r.am + r.bm, sh = r.ah + r.bh, sn = r.an + r.bn;
    const real zm = k.phi_dt * sm, zh = k.phi_dt * sh, zn = k.phi_dt * sn;
    const real dm = std::exp(-zm), dh = std::exp(-zh), dn = std::exp(-zn);
    const real em = one_minus_exp(zm, dm), eh = one_minus_exp(zh, dh), en = one_minus_exp(zn, dn);
    const real inv = 1 / (sm * sh * sn);
    const real im = sh * sn * inv, ih = sm * sn * inv, in = sm * sh * inv;  // 1 / sigma
    const real m2h = mn * mn * hn, m3 = mn * mn * mn, n3 = nn * nn * nn;
    const real g = k.g_na * (m2h * mn) + k.g_k * (n3 * nn) + k.g_l;
    const real a = l[0] / (1 + k.dt * g);
    const real w_na = a * k.dt * k.g_na * (k.e_na - vn), w_k = a * k.dt * k.g_k * (k.e_k - vn);
    const real lm = l[1] + 3 * m2h * w_na, lh = l[2] + m3 * w_na, ln = l[3] + 4 * n3 * w_k;
    const real p = k.phi_dt;
    const real dmdv =
        ((r.dam * r.bm - r.am * r.dbm) * em * im + (r.am - sm * m) * dm * p * (r.dam + r.dbm)) * im;
    const real dhdv =
        ((r.dah * r.bh - r.ah * r.dbh) * eh * ih + (r.ah - sh * h) * dh * p * (r.dah + r.dbh)) * ih;
    const real dndv =
        ((r.dan * r.bn - r.an * r.dbn) * en * in + (r.an - sn * n) * dn * p * (r.dan + r.dbn)) * in;
    l[0] = a + lm * dmdv + lh * dhdv + ln * dndv;
    l[1] = lm * dm;
    l[2] = lh * dh;
    l[3] = ln * dn;
    return a;
  }

 private:
  // c[0] + c[1] w + ... + c[n-1] w^(n-1); the loop is unrolled (n is a constant).
  template <class real, std::size_t n, std::size_t size>
  [[gnu::always_inline]] static real horner(const std::array<double, size>& c, real w) {
    static_assert(n >= 1 && n <= size);
    real acc = real(c[n - 1]);
    for (std::size_t i = n - 1; i-- > 0;) acc = acc * w + real(c[i]);
    return acc;
  }
  // (s/2) coth(s/2) = sum_k B_2k s^2k / (2k)!, and its derivative over s: sum_k 2k B_2k s^2(k-1)
  // / (2k)!, in powers of s^2.
  static constexpr std::array<double, 8> f_even{1.0,
                                                0.08333333333333333,
                                                -0.001388888888888889,
                                                3.306878306878307e-05,
                                                -8.267195767195768e-07,
                                                2.08767569878681e-08,
                                                -5.284190138687493e-10,
                                                1.3382536530684679e-11};
  static constexpr std::array<double, 8> f_odd{
      0.16666666666666666,  -0.005555555555555556,   0.0001984126984126984, -6.613756613756614e-06,
      2.08767569878681e-07, -6.3410281664249915e-09, 1.873555114295855e-10, -5.423488474116132e-12};
  // (1 - e^{-z}) / z = sum_k (-z)^k / (k + 1)!
  static constexpr std::array<double, 14> expm1_series{1.0,
                                                       -0.5,
                                                       0.16666666666666666,
                                                       -0.041666666666666664,
                                                       0.008333333333333333,
                                                       -0.001388888888888889,
                                                       0.0001984126984126984,
                                                       -2.48015873015873e-05,
                                                       2.7557319223985893e-06,
                                                       -2.755731922398589e-07,
                                                       2.505210838544172e-08,
                                                       -2.08767569878681e-09,
                                                       1.6059043836821613e-10,
                                                       -1.1470745597729725e-11};
};

static_assert(neuron_model<hodgkin_huxley>);

}  // namespace esbio::models
