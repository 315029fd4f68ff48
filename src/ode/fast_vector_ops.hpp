#pragma once
// Private to src/ode: faster reductions for the serial vectors the integrator creates (clones,
// which CVODE and the linear solvers make, inherit them).
#include <sundials/sundials_nvector.h>

namespace esbio::ode::detail {
void use_fast_vector_ops(N_Vector v);
}
