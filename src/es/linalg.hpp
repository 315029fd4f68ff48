#pragma once
// Private to the es layer: the small dense linear algebra CMA-ES and Guided ES need, written
// here so that its results are the same bits on every rank and every machine with IEEE doubles
// (no BLAS or LAPACK whose threading or kernels could reorder sums).

#include <cstddef>
#include <vector>

namespace esbio::es::detail {

// Eigen-decomposition of the symmetric n x n matrix a (row-major): Householder reduction to
// tridiagonal form, then implicit QL with Wilkinson shifts, about 9 n^3 flops (cyclic Jacobi,
// its predecessor here, took 0.3 s at task D's n = 188 and CMA-ES decomposes every other
// generation there). a = V diag(d) V^T with V's columns the eigenvectors (row-major n x n), d
// ascending.
void symmetric_eigen(std::size_t n, std::vector<double> a, std::vector<double>& d,
                     std::vector<double>& v);

// Orthonormalise the rows of a (k x n, row-major) in place by modified Gram-Schmidt; rows that
// are (numerically) dependent on earlier ones are dropped. Returns the rank kept.
std::size_t orthonormal_rows(std::vector<double>& a, std::size_t k, std::size_t n);

}  // namespace esbio::es::detail
