// The network's hot loops: the paper's fixed-step scheme batched over trials (the inner loop of a
// task B evaluation: 2000 steps x 50 trials x 128 neurons) and the neuron rates of the continuous
// model's right-hand side. The file is compiled with -ffast-math -fopenmp-simd so that these
// loops use glibc's vector tanh/cosh/exp (libmvec). The results are the same bits on every rank
// running the same binary.
#include <algorithm>
#include <cmath>

#include "esbio/models/ml_network.hpp"

namespace esbio::models {

namespace {

// Register tiles of the batched product: `rows` trials x `cols` outputs of z stay in registers
// over the whole sum, so each step of the sum loads `cols` matrix entries and `rows` inputs for
// rows x cols multiply-adds (12-16 accumulators: the vector registers of the instruction set,
// minus room for the loads).
#if defined(__AVX512F__)
constexpr std::size_t tile_rows = 4, tile_cols = 32;
#elif defined(__AVX2__)
constexpr std::size_t tile_rows = 4, tile_cols = 12;
#else
constexpr std::size_t tile_rows = 4, tile_cols = 6;
#endif

// z[b][i] += sum_j t[b][j] w[j][i] for `rows` trials and `cols` outputs from i0, the sum in
// increasing j for every entry whichever path computes it (the same arithmetic as an untiled
// loop, so tiles and edges agree).
template <std::size_t rows, std::size_t cols>
void product_tile(std::size_t n, const double* t, const double* w, double* z, std::size_t i0) {
  double acc[rows][cols];
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t k = 0; k < cols; ++k) acc[r][k] = z[r * n + i0 + k];
  for (std::size_t j = 0; j < n; ++j) {
    const double* row = w + j * n + i0;
#pragma GCC unroll 8
    for (std::size_t r = 0; r < rows; ++r) {
      const double tj = t[r * n + j];
#pragma omp simd
      for (std::size_t k = 0; k < cols; ++k) acc[r][k] += tj * row[k];
    }
  }
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t k = 0; k < cols; ++k) z[r * n + i0 + k] = acc[r][k];
}

void product_edge(std::size_t n, std::size_t rows, const double* t, const double* w, double* z,
                  std::size_t i0, std::size_t i1) {
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t i = i0; i < i1; ++i) {
      double acc = z[r * n + i];
      for (std::size_t j = 0; j < n; ++j) acc += t[r * n + j] * w[j * n + i];
      z[r * n + i] = acc;
    }
}

// z (trials x n) += t (trials x n) w (n x n), all row-major. A panel of tile_cols columns of w
// (32 KB at N = 128, AVX-512) stays in L1 while every trial passes over it; w as a whole does not
// fit.
void batched_product(std::size_t n, std::size_t trials, const double* t, const double* w,
                     double* z) {
  const std::size_t full_cols = n / tile_cols * tile_cols;
  const std::size_t full_rows = trials / tile_rows * tile_rows;
  for (std::size_t i0 = 0; i0 < full_cols; i0 += tile_cols) {
    for (std::size_t b = 0; b < full_rows; b += tile_rows)
      product_tile<tile_rows, tile_cols>(n, t + b * n, w, z + b * n, i0);
    for (std::size_t b = full_rows; b < trials; ++b)
      product_tile<1, tile_cols>(n, t + b * n, w, z + b * n, i0);
  }
  product_edge(n, trials, t, w, z, full_cols, n);
}

}  // namespace

void ml_network::semi_implicit_steps(std::size_t trials, std::span<double> v, std::span<double> w,
                                     std::span<double> t_prev, std::span<const double> drive,
                                     double dt) {
  const std::size_t n = n_, total = trials * n;
  zb_.resize(total);
  double* z = zb_.data();
  // z = drive + T W_rec, one matrix-matrix product per step.
  std::copy(drive.begin(), drive.begin() + static_cast<std::ptrdiff_t>(total), z);
  batched_product(n, trials, t_prev.data(), w_rec_.data(), z);
  const auto& q = p_.neuron;
  const double inv_c = 1 / q.C, half = dt / 2;
  const double gain = p_.input_gain, bias = p_.input_bias + p_.iapp * p_.input_gain;
  double* vp = v.data();
  double* wp = w.data();
  double* tp = t_prev.data();
#pragma omp simd
  for (std::size_t k = 0; k < total; ++k) {
    const double vk = vp[k];
    const double m_inf = 0.5 * (1 + std::tanh((vk - q.V1) / q.V2));
    const double w_inf = 0.5 * (1 + std::tanh((vk - q.V3) / q.V4));
    const double tau = 1 / (q.phi * std::cosh((vk - q.V3) / (2 * q.V4)));
    const double w_new = (w_inf * dt + (tau - half) * wp[k]) / (tau + half);
    const double g = (q.gCa * m_inf + q.gK * w_new + q.gL) * inv_c;
    const double e = (q.gCa * q.ECa * m_inf + q.gK * q.EK * w_new + q.gL * q.EL) * inv_c;
    const double current = (z[k] * gain + bias) * inv_c;
    const double v_new = (vk * (1 - half * g) + dt * (e + current)) / (1 + half * g);
    vp[k] = v_new;
    wp[k] = w_new;
    tp[k] = 1 / (1 + std::exp(-(v_new - p_.vt) / p_.kp));
  }
}

void ml_network::recurrent_product(const double* x, double* out) const {
  // Blocks of 16 outputs stay in registers over the whole sum, so each multiply-add loads one
  // matrix entry and nothing else; the row-by-row loop of coupling() also loads and stores z.
  constexpr std::size_t block = 16;
  const std::size_t n = n_;
  const double* wr = w_rec_.data();
  std::size_t ib = 0;
  for (; ib + block <= n; ib += block) {
    double acc[block] = {};
    for (std::size_t j = 0; j < n; ++j) {
      const double xj = x[j];
      const double* row = wr + j * n + ib;
#pragma omp simd
      for (std::size_t k = 0; k < block; ++k) acc[k] += xj * row[k];
    }
    std::copy(acc, acc + block, out + ib);
  }
  for (std::size_t i = ib; i < n; ++i) {
    double acc = 0;
    for (std::size_t j = 0; j < n; ++j) acc += x[j] * wr[j * n + i];
    out[i] = acc;
  }
}

// lin holds rows of N values: dfV/dV and dfV/dw (local terms), dfw/dV, dfw/dw, and
// the coupling scale e; with the kinetic synapse also dfs/dV and dfs/ds. Current coupling:
// (J v)_V = a vV + b vw + (e vV) W_rec, e = input_gain T'(V) / C. Kinetic: (J v)_V = a vV + b vw
// + e (vs W_rec), e_i = syn_gain (E_syn - V_i) / C.
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
    const double th_m = std::tanh((vi - q.V1) / q.V2), th_w = std::tanh((vi - q.V3) / q.V4);
    const double m_inf = 0.5 * (1 + th_m), dm = 0.5 * (1 - th_m * th_m) / q.V2;
    const double w_inf = 0.5 * (1 + th_w), dw_inf = 0.5 * (1 - th_w * th_w) / q.V4;
    const double ex = std::exp((vi - q.V3) / (2 * q.V4));
    const double ch = 0.5 * (ex + 1 / ex), sh = 0.5 * (ex - 1 / ex);
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
    const double m_inf = 0.5 * (1 + std::tanh((vi - q.V1) / q.V2));
    const double w_inf = 0.5 * (1 + std::tanh((vi - q.V3) / q.V4));
    const double ionic =
        q.gCa * m_inf * (vi - q.ECa) + q.gK * w[i] * (vi - q.EK) + q.gL * (vi - q.EL);
    dv[i] = (current[i] - ionic) * inv_c;
    dw[i] = q.phi * (w_inf - w[i]) * std::cosh((vi - q.V3) / (2 * q.V4));
  }
}

}  // namespace esbio::models
