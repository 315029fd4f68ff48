// The network's hot loops: the paper's fixed-step scheme batched over trials (the inner loop of a
// task B evaluation: 2000 steps x 50 trials x 128 neurons) and the neuron rates of the continuous
// model's right-hand side. The file is compiled with -ffast-math -fopenmp-simd so that these
// loops use glibc's vector exp/tanh/cosh (libmvec): -fopenmp-simd honours `omp simd` without
// OpenMP threads, and -ffast-math lets GCC call libmvec's vector variants and reorder the
// arithmetic. Neither changes from one run to the next: the results are the same bits on every
// rank running the same binary.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "esbio/models/ml_network.hpp"

namespace esbio::models {

namespace {

// The batched product z (trials x n) += t (trials x n) W (n x n) of the fixed-step scheme, with
// GCC's vector extensions at the build's vector width (vec<real>: 2 doubles with SSE2, 4 with
// AVX2, 8 with AVX-512; twice as many floats). W is copied by bind_recurrent() into panels of
// panel_cols columns, each panel contiguous (n rows of panel_vectors vectors): a panel (16 KB at
// N = 128 in float64 with AVX-512) stays in L1 while every trial passes over it. In W's own
// row-major layout the rows of a panel are n * 8 bytes apart and fall into a few cache sets,
// which evicted each other (the kernel before this one reached 40 % of the limit for that
// reason).
//
// A register tile holds tile_rows trials x panel_cols outputs of z over the whole sum: per j it
// loads panel_vectors vectors of W and broadcasts tile_rows inputs for tile_rows x
// panel_vectors multiply-adds (AVX-512: 20 accumulators + 2 + 1 of the 32 registers; SSE2 and
// AVX2: 10 + 2 + 1 of 16). tile_rows divides the paper's 50 trials. Every entry is summed in
// increasing j with one accumulator, whichever path computes it (tile, single-row tile or the
// scalar edge over the last n % panel_cols columns): the same arithmetic as an untiled loop.
#if defined(__AVX512F__)
constexpr std::size_t vector_bytes = 64, tile_rows = 10;
#elif defined(__AVX2__)
constexpr std::size_t vector_bytes = 32, tile_rows = 5;
#else
constexpr std::size_t vector_bytes = 16, tile_rows = 5;
#endif
constexpr std::size_t panel_vectors = 2;

template <class real>
using vec [[gnu::vector_size(vector_bytes)]] = real;

template <class real>
constexpr std::size_t panel_cols = panel_vectors* vector_bytes / sizeof(real);

template <class real, std::size_t rows>
void product_tile(std::size_t n, const real* t, const real* panel, real* z, std::size_t i0) {
  constexpr std::size_t lanes = vector_bytes / sizeof(real), nv = panel_vectors;
  vec<real> acc[rows][nv];
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < nv; ++c)
      std::memcpy(&acc[r][c], z + r * n + i0 + c * lanes, vector_bytes);
  for (std::size_t j = 0; j < n; ++j) {
    vec<real> wv[nv];
    for (std::size_t c = 0; c < nv; ++c)
      std::memcpy(&wv[c], panel + (j * nv + c) * lanes, vector_bytes);
    for (std::size_t r = 0; r < rows; ++r) {
      const vec<real> tj = vec<real>{} + t[r * n + j];
      for (std::size_t c = 0; c < nv; ++c) acc[r][c] += tj * wv[c];
    }
  }
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < nv; ++c)
      std::memcpy(z + r * n + i0 + c * lanes, &acc[r][c], vector_bytes);
}

template <class real>
void product_edge(std::size_t n, std::size_t rows, const real* t, const real* w, real* z,
                  std::size_t i0, std::size_t i1) {
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t i = i0; i < i1; ++i) {
      real acc = z[r * n + i];
      for (std::size_t j = 0; j < n; ++j) acc += t[r * n + j] * w[j * n + i];
      z[r * n + i] = acc;
    }
}

template <class real>
void batched_product(std::size_t n, std::size_t trials, const real* t,
                     const ml_network::fixed_weights<real>& w, real* z) {
  constexpr std::size_t cols = panel_cols<real>;
  const std::size_t full_cols = n / cols * cols;
  const std::size_t full_rows = trials / tile_rows * tile_rows;
  for (std::size_t i0 = 0; i0 < full_cols; i0 += cols) {
    const real* panel = w.panels.data() + i0 * n;
    for (std::size_t b = 0; b < full_rows; b += tile_rows)
      product_tile<real, tile_rows>(n, t + b * n, panel, z + b * n, i0);
    for (std::size_t b = full_rows; b < trials; ++b)
      product_tile<real, 1>(n, t + b * n, panel, z + b * n, i0);
  }
  product_edge(n, trials, t, w.rows.data(), z, full_cols, n);
}

template <class real>
void pack(std::size_t n, std::span<const double> w, ml_network::fixed_weights<real>& out) {
  constexpr std::size_t cols = panel_cols<real>;
  out.rows.resize(n * n);
  for (std::size_t k = 0; k < n * n; ++k) out.rows[k] = static_cast<real>(w[k]);
  const std::size_t full_cols = n / cols * cols;
  out.panels.resize(full_cols * n);
  for (std::size_t i0 = 0; i0 < full_cols; i0 += cols)
    for (std::size_t j = 0; j < n; ++j)
      for (std::size_t k = 0; k < cols; ++k)
        out.panels[i0 * n + j * cols + k] = out.rows[j * n + i0 + k];
}

// The neuron update of the fixed-step scheme, per trial and neuron (h = dt/2):
//
//   m   = (1 + tanh((V - V1)/V2)) / 2,   wi = (1 + tanh((V - V3)/V4)) / 2
//   tau = 1 / (phi cosh((V - V3)/(2 V4)))
//   w+  = (wi dt + (tau - h) w) / (tau + h)
//   g   = (gCa m + gK w+ + gL) / C,   e = (gCa ECa m + gK EK w+ + gL EL) / C
//   V+  = (V (1 - h g) + dt (e + (z gain + bias) / C)) / (1 + h g)
//   T+  = sigmoid((V+ - Vt) / Kp)
//
// computed with one exp per argument and one reciprocal for (w+, V+), instead of two tanh, a
// cosh, an exp and four divisions. With x = (V - V3)/(2 V4) and y = (V - V1)/V2:
//
//   m = 1 / (1 + e^{-2y}),   wi = 1 / (1 + e^{-4x}),   tau = 2 e^{-x} / (phi (1 + e^{-2x})),
//
// and each is symmetric under a change of sign of its argument (1/(1 + e^{-a}) = e^{-|a|} /
// (1 + e^{-|a|}) for a < 0), so only u = e^{-|x|} and s = e^{-2|y|}, both in (0, 1], are needed:
// no overflow at any V, in float32 too (-ffast-math assumes no infinities, so the naive
// 1/(1 + e^{-a}) with e^{-a} = inf is not safe here). Then, writing every quantity as a
// fraction of bounded factors,
//
//   wi  = nw / Q,        nw = (x >= 0 ? 1 : u^4),   Q = 1 + u^4             in [1, 2]
//   tau = A / B,         A = 2u,   B = phi (1 + u^2)
//   w+  = Nw / Rw,       Nw = dt nw B + (A - h B) w Q,   Rw = (A + h B) Q  in [h phi, 8]
//   m   = nm / P,        nm = (y >= 0 ? 1 : s),   P = 1 + s                  in [1, 2]
//   g   = G / (P Rw),    G = (gCa nm Rw + gK Nw P + gL P Rw) / C
//   e   = E / (P Rw),    E = (gCa ECa nm Rw + gK EK Nw P + gL EL P Rw) / C
//   V+  = Nv / D,        Nv = V (P Rw - h G) + dt (E + c P Rw),   D = P Rw + h G
//
// (c the input current over C), and one reciprocal r = 1/(Rw D) gives both, computed as
// increments (with dt = 2h):
//
//   w+ = w + (Nw - w Rw) / Rw = w + dt B (nw - w Q) D r,
//   V+ = V + (Nv - V D) / D   = V + dt (E + c P Rw - G V) Rw r.
//
// T+ = nt / (1 + q) with q = e^{-|V+ - Vt|/Kp} is a second reciprocal (it needs
// V+). The same function as the formula above, rounded differently: float64 trajectories agree
// with the formula's to ~1e-12 mV over a trial (tests/unit/test_ml_network.cpp keeps the formula
// and checks 1e-9). Everything is branch-free (selects), so `omp simd` vectorises the loop with
// glibc's vector exp (libmvec, -ffast-math -fopenmp-simd on this file).
template <class real>
void neuron_update(std::size_t total, const network_params& p, real dt, real* v, real* w, real* t,
                   const real* z) {
  const auto& q = p.neuron;
  const real h = dt / 2, inv_c = real(1 / q.C);
  const real v1 = real(q.V1), inv_v2 = real(1 / q.V2), v3 = real(q.V3),
             inv_2v4 = real(1 / (2 * q.V4)), phi = real(q.phi);
  const real g_ca = real(q.gCa / q.C), g_k = real(q.gK / q.C), g_l = real(q.gL / q.C);
  const real e_ca = real(q.gCa * q.ECa / q.C), e_k = real(q.gK * q.EK / q.C),
             e_l = real(q.gL * q.EL / q.C);
  const real gain = real(p.input_gain) * inv_c,
             bias = real(p.input_bias + p.iapp * p.input_gain) * inv_c;
  const real vt = real(p.vt), inv_kp = real(1 / p.kp);
#pragma omp simd
  for (std::size_t k = 0; k < total; ++k) {
    const real vk = v[k];
    const real x = (vk - v3) * inv_2v4, y = (vk - v1) * inv_v2;
    const real u = std::exp(-std::abs(x)), s = std::exp(-2 * std::abs(y));
    const real u2 = u * u, u4 = u2 * u2;
    const real nw = x >= 0 ? real(1) : u4, qw = 1 + u4;
    const real a = 2 * u, b = phi * (1 + u2);
    const real wk = w[k];
    const real n_w = dt * nw * b + (a - h * b) * wk * qw, r_w = (a + h * b) * qw;
    const real nm = y >= 0 ? real(1) : s, pm = 1 + s, pr = pm * r_w;
    const real gg = g_ca * nm * r_w + g_k * n_w * pm + g_l * pr;
    const real ee = e_ca * nm * r_w + e_k * n_w * pm + e_l * pr;
    const real c = z[k] * gain + bias;
    const real d = pr + h * gg;
    const real r = 1 / (r_w * d);
    // As increments (Nv / D - V and Nw / Rw - w, simplified with dt = 2h): their rounding
    // errors are relative to the change in a step, not to V and w, which float32 needs.
    const real v_new = vk + dt * (ee + c * pr - gg * vk) * r_w * r;
    w[k] = wk + dt * b * (nw - wk * qw) * d * r;
    v[k] = v_new;
    const real o = (v_new - vt) * inv_kp, e_o = std::exp(-std::abs(o));
    t[k] = (o >= 0 ? real(1) : e_o) / (1 + e_o);
  }
}

}  // namespace

template <class real>
void ml_network::steps(std::size_t trials, real* v, real* w, real* t_prev, const real* drive,
                       double dt) {
  const std::size_t total = trials * n_;
  auto& zb = [this]() -> std::vector<real>& {
    if constexpr (std::is_same_v<real, float>)
      return zb_f_;
    else
      return zb_;
  }();
  zb.resize(total);
  real* z = zb.data();
  // z = drive + T W_rec, one matrix-matrix product per step.
  std::copy(drive, drive + total, z);
  coupling_product(trials, t_prev, z);
  neuron_update<real>(total, p_, static_cast<real>(dt), v, w, t_prev, z);
}

void ml_network::semi_implicit_steps(std::size_t trials, std::span<double> v, std::span<double> w,
                                     std::span<double> t_prev, std::span<const double> drive,
                                     double dt) {
  steps(trials, v.data(), w.data(), t_prev.data(), drive.data(), dt);
}

void ml_network::semi_implicit_steps(std::size_t trials, std::span<float> v, std::span<float> w,
                                     std::span<float> t_prev, std::span<const float> drive,
                                     double dt) {
  steps(trials, v.data(), w.data(), t_prev.data(), drive.data(), dt);
}

template <class real>
void ml_network::coupling_product(std::size_t trials, const real* t, real* z) const {
  if constexpr (std::is_same_v<real, float>)
    batched_product(n_, trials, t, fixed_f_, z);
  else
    batched_product(n_, trials, t, fixed_d_, z);
}
template void ml_network::coupling_product<double>(std::size_t, const double*, double*) const;
template void ml_network::coupling_product<float>(std::size_t, const float*, float*) const;

void ml_network::pack_recurrent() {
  pack(n_, w_rec_, fixed_d_);
  pack(n_, w_rec_, fixed_f_);
}

namespace {

// out_i = sum_j x_j w[j][i] for row-major n x n weights, summed in the inputs' type A: double
// (the weights double, or float widened exactly: the same products and sums as on the rounded
// weights in float64), or float throughout for float32. Blocks of outputs stay in registers
// over the whole sum, so each multiply-add loads one matrix entry and nothing else. A block is
// eight vector registers: eight independent chains of multiply-adds hide the add latency (two
// chains, the old 16 outputs on AVX-512, left the product latency-bound at half the CVODE path's
// time). Each output still sums over j in order, so the bits do not depend on the block.
template <class W, class A>
void rows_product(std::size_t n, const W* wr, const A* x, A* out) {
#if defined(__AVX512F__)
  constexpr std::size_t block = 8 * 64 / sizeof(A);
#elif defined(__AVX__)
  constexpr std::size_t block = 8 * 32 / sizeof(A);
#else
  constexpr std::size_t block = 8 * 16 / sizeof(A);
#endif
  // The last, partial block the same way (a width known only at run time is slower, so it is
  // apart): a scalar sum over j would be reassociated under this file's -ffast-math, differently
  // for each weight type.
  const auto outputs = [&]<std::size_t fixed>(std::size_t ib, std::size_t width) {
    A acc[block] = {};
    for (std::size_t j = 0; j < n; ++j) {
      const A xj = x[j];
      const W* row = wr + j * n + ib;
#pragma omp simd
      for (std::size_t k = 0; k < (fixed ? fixed : width); ++k)
        acc[k] += xj * static_cast<A>(row[k]);
    }
    std::copy(acc, acc + width, out + ib);
  };
  std::size_t ib = 0;
  for (; ib + block <= n; ib += block) outputs.template operator()<block>(ib, block);
  if (ib < n) outputs.template operator()<0>(ib, n - ib);
}

}  // namespace

void ml_network::recurrent_product(const double* x, double* out) const {
  if (!p_.float32_weights) {
    rows_product(n_, w_rec_.data(), x, out);
    return;
  }
  std::copy(x, x + n_, product_in_.begin());
  rows_product(n_, fixed_f_.rows.data(), product_in_.data(), product_out_.data());
  std::copy(product_out_.begin(), product_out_.end(), out);
}

// lin holds rows of N values: dfV/dV and dfV/dw (local terms), dfw/dV, dfw/dw, and
// the coupling scale e; with the kinetic synapse also dfs/dV and dfs/ds. Current coupling:
// (J v)_V = a vV + b vw + (e vV) W_rec, e = input_gain T'(V) / C. Kinetic: (J v)_V = a vV + b vw
// + e (vs W_rec), e_i = syn_gain (E_syn - V_i) / C.
namespace {

// The continuous model's gating functions at V, by the same substitution as the fixed-step
// update above (x = (V - V3)/(2 V4), y = (V - V1)/V2, u = e^{-|x|}, s = e^{-2|y|}): two exps
// instead of two tanh, a cosh and an exp, with m(1 - m) = s/(1 + s)^2 and wi(1 - wi) =
// u^4/(1 + u^4)^2 exact where 1 - m would cancel. The same functions as the formulas, rounded
// differently (tests/unit/test_ml_network.cpp compares the rhs and J v with them).
struct gates {
  double m_inf, m_slope, w_inf, w_slope, cosh_x, sinh_x;  // slopes: m(1 - m), wi(1 - wi)
};

inline gates gates_at(double v, const ml_params& q) {
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

}  // namespace

void ml_network::linearise(const double* y, std::vector<double>& lin) {
  const std::size_t n = n_;
  const double* v = y;
  const double* w = y + n;
  lin.resize((p_.kinetic ? 7 : 5) * n);
  jv_.resize(2 * n);
  double* a = lin.data();
  double* b = a + n;
  double* c = b + n;
  double* d = c + n;
  double* e = d + n;
  const auto& q = p_.neuron;
  const double inv_c = 1 / q.C, vt = p_.vt, inv_kp = 1 / p_.kp;
  double* t = t_.data();
#pragma omp simd
  for (std::size_t i = 0; i < n; ++i) {
    const double vi = v[i];
    const gates g = gates_at(vi, q);
    const double m_inf = g.m_inf, dm = 2 * g.m_slope / q.V2;
    const double w_inf = g.w_inf, dw_inf = 2 * g.w_slope / q.V4;
    const double ch = g.cosh_x, sh = g.sinh_x;
    a[i] = -(q.gCa * (dm * (vi - q.ECa) + m_inf) + q.gK * w[i] + q.gL) * inv_c;
    b[i] = -q.gK * (vi - q.EK) * inv_c;
    c[i] = q.phi * (dw_inf * ch + (w_inf - w[i]) * sh / (2 * q.V4));
    d[i] = -q.phi * ch;
    const double ti = 1 / (1 + std::exp(-(vi - vt) * inv_kp));
    t[i] = ti;
    e[i] = ti * (1 - ti) * inv_kp;  // T'(V), scaled below
  }
  if (!p_.kinetic) {
    const double g = p_.input_gain * inv_c;
    for (std::size_t i = 0; i < n; ++i) e[i] *= g;
    return;
  }
  const double* s = y + 2 * n;
  double* sv = e + n;
  double* ss = sv + n;
  recurrent_product(s, jv_.data());  // the synaptic conductance sum
  for (std::size_t i = 0; i < n; ++i) {
    a[i] -= p_.syn_gain * jv_[i] * inv_c;
    sv[i] = p_.alpha * e[i] * (1 - s[i]);
    ss[i] = -p_.alpha * t[i] - p_.beta;
    e[i] = p_.syn_gain * (p_.e_syn - v[i]) * inv_c;
  }
}

int ml_network::jvp_apply(const double* v, double* out) {
  const std::size_t n = n_;
  const double* a = lin_.data();
  const double* b = a + n;
  const double* c = b + n;
  const double* d = c + n;
  const double* e = d + n;
  const double* vv = v;
  const double* vw = v + n;
  double* z = jv_.data();
  if (p_.kinetic) {
    const double* vs = v + 2 * n;
    const double* sv = e + n;
    const double* ss = sv + n;
    recurrent_product(vs, z);
#pragma omp simd
    for (std::size_t i = 0; i < n; ++i) {
      out[i] = a[i] * vv[i] + b[i] * vw[i] + e[i] * z[i];
      out[n + i] = c[i] * vv[i] + d[i] * vw[i];
      out[2 * n + i] = sv[i] * vv[i] + ss[i] * vs[i];
    }
    return 0;
  }
  double* u = z + n;
#pragma omp simd
  for (std::size_t i = 0; i < n; ++i) u[i] = e[i] * vv[i];
  recurrent_product(u, z);
#pragma omp simd
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = a[i] * vv[i] + b[i] * vw[i] + z[i];
    out[n + i] = c[i] * vv[i] + d[i] * vw[i];
  }
  return 0;
}

void ml_network::outputs(const double* v) {
  double* t = t_.data();
  const double vt = p_.vt, inv_kp = 1 / p_.kp;
#pragma omp simd
  for (std::size_t i = 0; i < n_; ++i) t[i] = 1 / (1 + std::exp(-(v[i] - vt) * inv_kp));
}

void ml_network::neuron_rates(const double* v, const double* w, const double* current, double* dv,
                              double* dw) {
  const auto& q = p_.neuron;
  const double inv_c = 1 / q.C;
#pragma omp simd
  for (std::size_t i = 0; i < n_; ++i) {
    const double vi = v[i];
    const gates g = gates_at(vi, q);
    const double ionic =
        q.gCa * g.m_inf * (vi - q.ECa) + q.gK * w[i] * (vi - q.EK) + q.gL * (vi - q.EL);
    dv[i] = (current[i] - ionic) * inv_c;
    dw[i] = q.phi * (g.w_inf - w[i]) * g.cosh_x;
  }
}

}  // namespace esbio::models
