#pragma once
// Private to src/ode: faster reductions for the serial vectors the integrator creates (clones,
// which CVODE and the linear solvers make, inherit them).
#include <sundials/sundials_nvector.h>

namespace esbio::ode::detail {
void use_fast_vector_ops(N_Vector v);
// Whether every entry of a serial vector is finite, without a branch per entry: the integrator
// asks it of every right-hand side.
bool all_finite(N_Vector v);
}  // namespace esbio::ode::detail
