#pragma once
// The coupling products of every network, whatever its neuron model: z += T W over a batch of
// trials for the fixed-step scheme (register tiles over column panels), out = x W for one trial of
// the continuous model, and the scheme's reverse. Private to the models layer; compiled with
// -ffast-math -fopenmp-simd (CMakeLists.txt) like the neuron loops.

#include <cstddef>
#include <span>
#include <vector>

namespace esbio::models::coupling {

// W as the fixed-step scheme reads it: row-major, and in column panels for the batched product.
template <class real>
struct panel_weights {
  std::vector<real> rows, panels;
};

// out = the n x n row-major weights w (any precision) in both layouts, rounded to real.
template <class real>
void pack(std::size_t n, std::span<const double> w, panel_weights<real>& out);

// z (trials x n) += t (trials x n) W.
template <class real>
void batched_product(std::size_t n, std::size_t trials, const real* t, const panel_weights<real>& w,
                     real* z);

// out_i = sum_j x_j wr[j][i] for row-major n x n weights of type W, summed in A (double with
// double or float weights, or float throughout).
template <class W, class A>
void rows_product(std::size_t n, const W* wr, const A* x, A* out);

// The reverse of batched_product for trials at once: lt[b][j] = sum_i W[j][i] lz[b][i] and
// gw[j][i] += sum_b tp[b][j] lz[b][i].
template <class real>
void reverse_product(std::size_t n, std::size_t trials, const real* wr, const real* tp,
                     const real* lz, real* lt, real* gw);

}  // namespace esbio::models::coupling
