#pragma once
// Private to the ode layer: the CVODES state behind ode::integrator, shared by the forward
// solves (integrator.cpp) and the adjoint (adjoint.cpp).

#include <cvodes/cvodes.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "esbio/ode/integrator.hpp"

namespace esbio::ode {

namespace detail {

void check(int rc, const char* what);
template <class T>
T* check_ptr(T* p, const char* what) {
  if (!p) throw std::runtime_error(std::string("SUNDIALS allocation failed: ") + what);
  return p;
}
solve_status map_status(int rc);
// CVODE's cumulative counters for mem (since its last (re)initialisation).
solve_stats read_stats(void* mem, const solver_options& o);
// The counters to subtract from those after the next CVode/CVodeB call. CVODE zeroes the linear
// solver's counters at the first step after a (re)initialisation, not in the ReInit call itself,
// so right after one the values read are stale and must count as 0.
solve_stats counters_before(void* mem, const solver_options& o, bool reinitialised);
// CVODE's user data points at a slot holding the system being solved: the linear solver copies
// the pointer once (for the preconditioner), so the slot stays put while its content changes.
system* current(void* user);
// CVODE prints every failure to stderr by default; in an ES run failures are expected results
// and are counted instead.
void silent_error_handler(int, const char*, const char*, char*, void*);

}  // namespace detail

// Owners of SUNDIALS objects: each is freed exactly once, also when a set-up step throws.
struct context_free {
  void operator()(SUNContext c) const { SUNContext_Free(&c); }
};
struct cvode_free {
  void operator()(void* m) const { CVodeFree(&m); }
};
struct nvector_free {
  void operator()(N_Vector v) const { N_VDestroy(v); }
};
struct matrix_free {
  void operator()(SUNMatrix m) const { SUNMatDestroy(m); }
};
struct linsol_free {
  void operator()(SUNLinearSolver l) const { SUNLinSolFree(l); }
};
struct nonlinsol_free {
  void operator()(SUNNonlinearSolver l) const { SUNNonlinSolFree(l); }
};
using context_ptr = std::unique_ptr<std::remove_pointer_t<SUNContext>, context_free>;
using cvode_ptr = std::unique_ptr<void, cvode_free>;
using nvector_ptr = std::unique_ptr<std::remove_pointer_t<N_Vector>, nvector_free>;
using matrix_ptr = std::unique_ptr<std::remove_pointer_t<SUNMatrix>, matrix_free>;
using linsol_ptr = std::unique_ptr<std::remove_pointer_t<SUNLinearSolver>, linsol_free>;
using nonlinsol_ptr = std::unique_ptr<std::remove_pointer_t<SUNNonlinearSolver>, nonlinsol_free>;

// Declared so that destruction runs as SUNDIALS' examples free: the CVODE memory first (it
// holds the backward problem and references the solvers), then solvers, matrices and vectors,
// the context last.
struct integrator::impl {
  context_ptr ctx;
  nvector_ptr y, atol_vec;
  matrix_ptr mat;
  linsol_ptr ls;
  nonlinsol_ptr nls;
  // The adjoint (a fresh impl per forward()): one backward problem.
  nvector_ptr y_b, q_b;
  matrix_ptr mat_b;
  linsol_ptr ls_b;
  nonlinsol_ptr nls_b;
  cvode_ptr mem;

  std::size_t n = 0;
  bool initialised = false;
  bool reinitialised = false;  // CVodeReInit since the last march (see counters_before)
  // The system the linear solver was set up for: the preconditioner and Jacobian-vector product
  // are the bound system's, so another system (even of the same size) gets a fresh set-up.
  system* bound = nullptr;
  system* active = nullptr;  // what the callbacks see through CVODE's user data

  int which = -1;              // the backward problem, once created
  bool forward_valid = false;  // this impl's forward() succeeded: backward() may run
  double t0 = 0;
  std::vector<double> t_out;  // the last forward()'s output times

  impl();
  void release();
  void release_adjoint();
  void prepare(system& sys, const solver_options& o);
  void configure(const solver_options& o, bool has_preconditioner, bool has_jvp);
};

}  // namespace esbio::ode
