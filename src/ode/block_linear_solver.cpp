#include "block_linear_solver.hpp"

#include <cvodes/cvodes.h>
#include <nvector/nvector_serial.h>

#include "cvodes_impl.hpp"

namespace esbio::ode::detail {

namespace {

// With GMRES every Newton iteration costs two products with the coupling matrix (the residual's
// right-hand side and one Krylov product); here it costs one, and the iteration converges more
// slowly only through the coupling the blocks leave out (bench/RESULTS.md: 1.75 instead of 1.3
// right-hand sides per step on task B, the steps unchanged). A matrix-embedded solver gets no
// set-up call from CVODE, so it decides itself: P is rebuilt when gamma changes (a new step size
// or order; CVODE's own scaling of stale corrections is off for this solver type, so P must
// carry the current gamma), after a reset, and at least every refresh_steps steps, CVODE's
// default for reusing a preconditioner.
//
// Under the adjoint, CVODES re-runs the forward from its checkpoints (every checkpoint_steps
// steps) during the backward pass and expects the same steps again: it stores them in a table
// sized by the first run, and a re-run that takes more steps writes past its end (SUNDIALS
// issue #49: a segmentation fault in CVodeB). A P carried over from wherever the solver last
// was would change the Newton iterates and so the steps, so an adjoint's forward also rebuilds
// P on entering each checkpoint interval: the first run and every re-run then see the same P.
constexpr long refresh_steps = 20;

struct content {
  void* mem = nullptr;
  void* user = nullptr;
  bool valid = false;
  long setup_step = 0;
  double gamma = 0;
  long checkpoint_steps = 0;  // 0: no adjoint checkpoints to align with
};

content* state(SUNLinearSolver ls) {
  return static_cast<content*>(ls->content);
}

SUNLinearSolver_Type get_type(SUNLinearSolver) {
  return SUNLINEARSOLVER_MATRIX_EMBEDDED;
}

int solve(SUNLinearSolver ls, SUNMatrix, N_Vector x, N_Vector b, sunrealtype) {
  auto* c = state(ls);
  system* sys = current(c->user);
  double gamma = 0;
  long nst = 0;
  if (CVodeGetCurrentGamma(c->mem, &gamma) < 0 || CVodeGetNumSteps(c->mem, &nst) < 0)
    return SUNLS_PACKAGE_FAIL_UNREC;
  try {
    const bool new_interval =
        c->checkpoint_steps > 0 &&
        (nst < c->setup_step || nst / c->checkpoint_steps != c->setup_step / c->checkpoint_steps);
    if (!c->valid || gamma != c->gamma || nst - c->setup_step >= refresh_steps || new_interval) {
      N_Vector y = nullptr;
      double t = 0;
      if (CVodeGetCurrentState(c->mem, &y) < 0 || CVodeGetCurrentTime(c->mem, &t) < 0)
        return SUNLS_PACKAGE_FAIL_UNREC;
      c->valid = false;
      const int rc = sys->precondition_setup(t, N_VGetArrayPointer(y), gamma);
      // CVODE's solve interface knows no set-up failures (it would take one for success),
      // so a failed set-up reports as the solve it prevents.
      if (rc != 0) return rc > 0 ? SUNLS_PSOLVE_FAIL_REC : SUNLS_PSOLVE_FAIL_UNREC;
      c->valid = true;
      c->gamma = gamma;
      c->setup_step = nst;
    }
    const int rc = sys->precondition_solve(N_VGetArrayPointer(b), N_VGetArrayPointer(x));
    if (rc != 0) return rc > 0 ? SUNLS_PSOLVE_FAIL_REC : SUNLS_PSOLVE_FAIL_UNREC;
  } catch (...) {
    return SUNLS_PACKAGE_FAIL_UNREC;
  }
  return SUNLS_SUCCESS;
}

int free_solver(SUNLinearSolver ls) {
  if (!ls) return SUNLS_SUCCESS;
  delete state(ls);
  ls->content = nullptr;
  SUNLinSolFreeEmpty(ls);
  return SUNLS_SUCCESS;
}

}  // namespace

SUNLinearSolver make_block_linear_solver(SUNContext ctx, void* mem, void* user) {
  SUNLinearSolver ls = check_ptr(SUNLinSolNewEmpty(ctx), "SUNLinSolNewEmpty");
  ls->content = new content{mem, user};
  ls->ops->gettype = get_type;
  ls->ops->solve = solve;
  ls->ops->free = free_solver;
  return ls;
}

void reset_block_linear_solver(SUNLinearSolver ls) {
  state(ls)->valid = false;
}

void align_block_linear_solver(SUNLinearSolver ls, long checkpoint_steps) {
  state(ls)->checkpoint_steps = checkpoint_steps;
}

}  // namespace esbio::ode::detail
