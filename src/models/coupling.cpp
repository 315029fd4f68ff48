// The coupling products (coupling.hpp), shared by every neuron model's network. Compiled with
// -ffast-math -fopenmp-simd: the reductions vectorise, and the results are the same bits on every
// rank running the same binary.
#include "coupling.hpp"

#include <algorithm>
#include <cstring>

namespace esbio::models::coupling {

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
void batched(std::size_t n, std::size_t trials, const real* t, const panel_weights<real>& w,
             real* z) {
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
void pack_panels(std::size_t n, std::span<const double> w, panel_weights<real>& out) {
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

// out_i = sum_j x_j w[j][i] for row-major n x n weights, summed in the inputs' type A: double
// (the weights double, or float widened exactly: the same products and sums as on the rounded
// weights in float64), or float throughout for float32. Blocks of outputs stay in registers
// over the whole sum, so each multiply-add loads one matrix entry and nothing else. A block is
// eight vector registers: eight independent chains of multiply-adds hide the add latency (two
// chains, the old 16 outputs on AVX-512, left the product latency-bound at half the CVODE path's
// time). Each output still sums over j in order, so the bits do not depend on the block.
template <class W, class A>
void rows(std::size_t n, const W* wr, const A* x, A* out) {
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

// lt[b][j] = sum_i W[j][i] lz[b][i] and gw[j][i] += sum_b tp[b][j] lz[b][i], for four trials
// b at once: the reduction and the rank-4 update of row j share one sweep over it.
template <class real>
void coupling_reverse4(std::size_t n, const real* wr, const real* tp, const real* lz, real* lt,
                       real* gw) {
  const real *l0 = lz, *l1 = lz + n, *l2 = lz + 2 * n, *l3 = lz + 3 * n;
  for (std::size_t j = 0; j < n; ++j) {
    const real* row = wr + j * n;
    real* grow = gw + j * n;
    const real t0 = tp[j], t1 = tp[n + j], t2 = tp[2 * n + j], t3 = tp[3 * n + j];
    real a0 = 0, a1 = 0, a2 = 0, a3 = 0;
#pragma omp simd reduction(+ : a0, a1, a2, a3)
    for (std::size_t i = 0; i < n; ++i) {
      const real r = row[i];
      a0 += r * l0[i];
      a1 += r * l1[i];
      a2 += r * l2[i];
      a3 += r * l3[i];
      grow[i] += t0 * l0[i] + t1 * l1[i] + t2 * l2[i] + t3 * l3[i];
    }
    lt[j] = a0;
    lt[n + j] = a1;
    lt[2 * n + j] = a2;
    lt[3 * n + j] = a3;
  }
}

template <class real>
void coupling_reverse1(std::size_t n, const real* wr, const real* tp, const real* lz, real* lt,
                       real* gw) {
  for (std::size_t j = 0; j < n; ++j) {
    const real* row = wr + j * n;
    real* grow = gw + j * n;
    const real t0 = tp[j];
    real a0 = 0;
#pragma omp simd reduction(+ : a0)
    for (std::size_t i = 0; i < n; ++i) {
      a0 += row[i] * lz[i];
      grow[i] += t0 * lz[i];
    }
    lt[j] = a0;
  }
}

}  // namespace

template <class real>
void batched_product(std::size_t n, std::size_t trials, const real* t, const panel_weights<real>& w,
                     real* z) {
  batched(n, trials, t, w, z);
}

template <class real>
void pack(std::size_t n, std::span<const double> w, panel_weights<real>& out) {
  pack_panels(n, w, out);
}

template <class W, class A>
void rows_product(std::size_t n, const W* wr, const A* x, A* out) {
  rows(n, wr, x, out);
}

template <class real>
void reverse_product(std::size_t n, std::size_t trials, const real* wr, const real* tp,
                     const real* lz, real* lt, real* gw) {
  std::size_t b = 0;
  for (; b + 4 <= trials; b += 4) coupling_reverse4(n, wr, tp + b * n, lz + b * n, lt + b * n, gw);
  for (; b < trials; ++b) coupling_reverse1(n, wr, tp + b * n, lz + b * n, lt + b * n, gw);
}

template void pack<double>(std::size_t, std::span<const double>, panel_weights<double>&);
template void pack<float>(std::size_t, std::span<const double>, panel_weights<float>&);
template void batched_product<double>(std::size_t, std::size_t, const double*,
                                      const panel_weights<double>&, double*);
template void batched_product<float>(std::size_t, std::size_t, const float*,
                                     const panel_weights<float>&, float*);
template void rows_product<double, double>(std::size_t, const double*, const double*, double*);
template void rows_product<float, float>(std::size_t, const float*, const float*, float*);
template void reverse_product<double>(std::size_t, std::size_t, const double*, const double*,
                                      const double*, double*, double*);
template void reverse_product<float>(std::size_t, std::size_t, const float*, const float*,
                                     const float*, float*, float*);

}  // namespace esbio::models::coupling
