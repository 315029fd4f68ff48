#pragma once
// Stiffness of a linearisation: the ratio of the largest to the smallest eigenvalue magnitude of
// a dense Jacobian, |lambda|max / |lambda|min, each estimated as a spectral radius (of J and of
// J^-1) from the growth rate of repeated products. Growth rates also converge for complex pairs,
// where a Rayleigh quotient would not. Returns +inf for a singular matrix.

#include <cstddef>
#include <span>

namespace esbio {

struct spectral_estimate {
  double largest = 0, smallest = 0;  // |lambda|max, |lambda|min
  double ratio() const { return largest / smallest; }
};

// a: n x n, column-major.
spectral_estimate spectral_extremes(std::span<const double> a, std::size_t n, int iterations = 80);

}  // namespace esbio
