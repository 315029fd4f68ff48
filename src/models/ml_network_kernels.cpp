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

// The neuron update of the fixed-step scheme over every trial and neuron (morris_lecar.hpp has
// the scheme and its algebra), then the output T+ = sigmoid((V+ - Vt) / Kp) as nt / (1 + q) with
// q = e^{-|V+ - Vt|/Kp}. Branch-free (selects), so `omp simd` vectorises the loop with glibc's
// vector exp (libmvec, -ffast-math -fopenmp-simd on this file).
template <class real>
void neuron_update(std::size_t total, const network_params& p, double dt, real* v, real* w, real* t,
                   const real* z) {
  const auto k = morris_lecar::prepare<real>(p.neuron, dt);
  const real inv_c = real(1 / p.neuron.C);
  const real gain = real(p.input_gain) * inv_c,
             bias = real(p.input_bias + p.iapp * p.input_gain) * inv_c;
  const real vt = real(p.vt), inv_kp = real(1 / p.kp);
#pragma omp simd
  for (std::size_t i = 0; i < total; ++i) {
    morris_lecar::step(k, z[i] * gain + bias, state_view<real>{v + i, std::size_t(w - v)});
    const real o = (v[i] - vt) * inv_kp, e_o = std::exp(-std::abs(o));
    t[i] = (o >= 0 ? real(1) : e_o) / (1 + e_o);
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
  neuron_update<real>(total, p_, dt, v, w, t_prev, z);
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
    morris_lecar::jacobian(q, state_view<const double>{y + i, n}, state_view<double>{a + i, n});
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
#pragma omp simd
  for (std::size_t i = 0; i < n_; ++i) {
    morris_lecar::rates(q, state_view<const double>{v + i, std::size_t(w - v)}, current[i],
                        state_view<double>{dv + i, std::size_t(dw - dv)});
  }
}

}  // namespace esbio::models
