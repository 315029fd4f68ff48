#include "esbio/models/fast_tanh.hpp"

namespace esbio::models {

// Compiled with -ffast-math -fopenmp-simd -mno-recip (CMakeLists.txt): the loop vectorises and
// the division stays a division. GCC turns a vector float division under -ffast-math into an
// approximate reciprocal and a Newton step, whose first approximation is not specified to the
// bit and may differ between CPU vendors.
void tanh_rational(float* x, std::size_t n) {
  constexpr float clamp = 9.0f;
  constexpr float p1 = 1.338398424e-01f, p2 = 3.498998820e-03f, p3 = 2.066123376e-05f,
                  p4 = 1.341966855e-08f;
  constexpr float q1 = 4.671730577e-01f, q2 = 2.589022194e-02f, q3 = 3.291039542e-04f,
                  q4 = 7.804688991e-07f;
#pragma omp simd
  for (std::size_t k = 0; k < n; ++k) {
    // Conditional moves, not std::min/max: GCC did not vectorise the loop with them.
    float v = x[k] > clamp ? clamp : x[k];
    v = v < -clamp ? -clamp : v;
    const float s = v * v;
    const float p = (((p4 * s + p3) * s + p2) * s + p1) * s + 1.0f;
    const float q = (((q4 * s + q3) * s + q2) * s + q1) * s + 1.0f;
    float y = v * p / q;
    y = y > 1.0f ? 1.0f : y;
    x[k] = y < -1.0f ? -1.0f : y;
  }
}

}  // namespace esbio::models
