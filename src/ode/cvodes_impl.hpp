#pragma once
// Private to the ode layer: the CVODES state behind ode::integrator, shared by the forward
// solves (integrator.cpp) and the adjoint (adjoint.cpp).

#include <cvodes/cvodes.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>

#include <stdexcept>
#include <string>
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

struct integrator::impl {
  SUNContext ctx = nullptr;
  void* mem = nullptr;
  N_Vector y = nullptr;
  N_Vector atol_vec = nullptr;
  SUNMatrix mat = nullptr;
  SUNLinearSolver ls = nullptr;
  SUNNonlinearSolver nls = nullptr;
  std::size_t n = 0;
  bool initialised = false;
  bool reinitialised = false;  // CVodeReInit since the last march (see counters_before)
  system* active = nullptr;    // what the callbacks see through CVODE's user data

  // The adjoint (a fresh impl per forward()): its checkpoints and one backward problem.
  int which = -1;  // the backward problem, once created
  N_Vector y_b = nullptr, q_b = nullptr;
  SUNMatrix mat_b = nullptr;
  SUNLinearSolver ls_b = nullptr;
  SUNNonlinearSolver nls_b = nullptr;
  bool forward_valid = false;  // this impl's forward() succeeded: backward() may run
  double t0 = 0;
  std::vector<double> t_out;  // the last forward()'s output times

  impl();
  ~impl();
  void release();
  void release_adjoint();
  void prepare(std::size_t size, const solver_options& o);
  void configure(const solver_options& o, bool has_preconditioner, bool has_jvp);
};

}  // namespace esbio::ode
