// The continuous adjoint of a loss L = sum_k l_k(y(t_k)) over the outputs of one forward solve
// (CVODES' adjoint module, cvsRoberts_ASAi_dns.c is the pattern):
//
//   lambda' = -J(t, y)^T lambda,    lambda(t_K) = dl_K/dy,  jumps lambda += dl_k/dy at t_k,
//   q'      = -(df/dp)^T lambda,    q(t_K) = 0,
//
// integrated from the last output back to t0; then dL/dy0 = lambda(t0) and dL/dp = q(t0)
// (= the integral of (df/dp)^T lambda over [t0, t_K]). CVODES interpolates the forward trajectory
// from checkpoints (Hermite), so the models only supply J^T lambda and (df/dp)^T lambda. The
// backward problem uses the forward's method and linear solver: a dense -J^T from the model's
// Jacobian, or matrix-free GMRES on -J^T v = -vjp(v).
#include <sunlinsol/sunlinsol_spgmr.h>
#include <sunnonlinsol/sunnonlinsol_fixedpoint.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "cvodes_impl.hpp"
#include "fast_vector_ops.hpp"

namespace esbio::ode {

using namespace detail;

namespace {

int rhs_b_callback(sunrealtype t, N_Vector y, N_Vector lambda, N_Vector lambda_dot, void* user) {
  auto* sys = current(user);
  try {
    double* out = N_VGetArrayPointer(lambda_dot);
    if (!sys->vjp(t, N_VGetArrayPointer(y), N_VGetArrayPointer(lambda), out, nullptr)) return -1;
    const auto n = static_cast<std::size_t>(N_VGetLength(lambda_dot));
    for (std::size_t i = 0; i < n; ++i) {
      out[i] = -out[i];
      if (!std::isfinite(out[i])) return 1;
    }
    return 0;
  } catch (...) {
    return -1;
  }
}

int quad_b_callback(sunrealtype t, N_Vector y, N_Vector lambda, N_Vector q_dot, void* user) {
  auto* sys = current(user);
  try {
    double* out = N_VGetArrayPointer(q_dot);
    if (!sys->vjp(t, N_VGetArrayPointer(y), N_VGetArrayPointer(lambda), nullptr, out)) return -1;
    const auto p = static_cast<std::size_t>(N_VGetLength(q_dot));
    for (std::size_t i = 0; i < p; ++i) out[i] = -out[i];
    return 0;
  } catch (...) {
    return -1;
  }
}

// dense d(lambda')/d(lambda) = -J^T, from the model's column-major J.
int jac_b_callback(sunrealtype t, N_Vector y, N_Vector, N_Vector, SUNMatrix jac_b, void* user,
                   N_Vector, N_Vector, N_Vector) {
  auto* sys = current(user);
  try {
    const auto n = static_cast<std::size_t>(N_VGetLength(y));
    thread_local std::vector<double> jac;
    jac.assign(n * n, 0.0);
    if (!sys->jacobian(t, N_VGetArrayPointer(y), jac.data())) return -1;
    double* out = SUNDenseMatrix_Data(jac_b);
    for (std::size_t j = 0; j < n; ++j)
      for (std::size_t i = 0; i < n; ++i) out[i + j * n] = -jac[j + i * n];
    return 0;
  } catch (...) {
    return -1;
  }
}

int jtimes_b_callback(N_Vector v, N_Vector jv, sunrealtype t, N_Vector y, N_Vector, N_Vector,
                      void* user, N_Vector) {
  auto* sys = current(user);
  try {
    double* out = N_VGetArrayPointer(jv);
    if (!sys->vjp(t, N_VGetArrayPointer(y), N_VGetArrayPointer(v), out, nullptr)) return -1;
    const auto n = static_cast<std::size_t>(N_VGetLength(jv));
    for (std::size_t i = 0; i < n; ++i) out[i] = -out[i];
    return 0;
  } catch (...) {
    return -1;
  }
}

// The backward Newton matrix is I - gammaB (-J^T) = (I - (-gammaB) J)^T: the model's forward
// preconditioner built at -gammaB, applied transposed.
int prec_setup_b_callback(sunrealtype t, N_Vector y, N_Vector, N_Vector, booleantype,
                          booleantype* jcur, sunrealtype gamma, void* user) {
  *jcur = SUNTRUE;
  try {
    return current(user)->precondition_setup(t, N_VGetArrayPointer(y), -gamma);
  } catch (...) {
    return -1;
  }
}

int prec_solve_b_callback(sunrealtype, N_Vector, N_Vector, N_Vector, N_Vector r, N_Vector z,
                          sunrealtype, sunrealtype, int, void* user) {
  try {
    return current(user)->precondition_solve_transposed(N_VGetArrayPointer(r),
                                                        N_VGetArrayPointer(z));
  } catch (...) {
    return -1;
  }
}

}  // namespace

void integrator::impl::release_adjoint() {
  // The backward problem lives inside the forward CVODE memory; CVodeFree releases it.
  ls_b.reset();
  nls_b.reset();
  mat_b.reset();
  y_b.reset();
  q_b.reset();
  which = -1;
  forward_valid = false;
}

solve_result integrator::backward(system& sys, std::span<const double> dl_dy,
                                  std::span<double> dl_dy0, std::span<double> dl_dp) {
  if (!adjoint_)
    throw std::logic_error("integrator::backward: no successful forward() of this system");
  auto& s = *adjoint_;
  const std::size_t n = s.n, p = sys.parameter_count(), k_out = s.t_out.size();
  if (!s.forward_valid || s.active != &sys || sys.size() != n)
    throw std::logic_error("integrator::backward: no successful forward() of this system");
  if (dl_dy.size() != k_out * n || dl_dy0.size() != n || dl_dp.size() != p)
    throw std::invalid_argument("integrator::backward: buffer sizes do not match the system");
  if (s.which >= 0) throw std::logic_error("integrator::backward: one backward pass per forward()");

  solve_result res;
  const double t_last = k_out ? s.t_out.back() : s.t0;
  s.y_b.reset(check_ptr(N_VNew_Serial(static_cast<sunindextype>(n), s.ctx.get()), "lambda"));
  use_fast_vector_ops(s.y_b.get());
  if (p) {
    s.q_b.reset(check_ptr(N_VNew_Serial(static_cast<sunindextype>(p), s.ctx.get()), "q"));
    use_fast_vector_ops(s.q_b.get());  // N^2 + N entries for the network: its norms dominated
  }
  double* lambda = N_VGetArrayPointer(s.y_b.get());
  std::fill(lambda, lambda + n, 0.0);
  if (k_out) std::copy_n(dl_dy.data() + (k_out - 1) * n, n, lambda);
  if (p) N_VConst(0.0, s.q_b.get());

  check(CVodeCreateB(s.mem.get(), opts_.lmm == method::bdf ? CV_BDF : CV_ADAMS, &s.which),
        "CVodeCreateB");
  check(CVodeInitB(s.mem.get(), s.which, rhs_b_callback, t_last, s.y_b.get()), "CVodeInitB");
  check(CVodeSetUserDataB(s.mem.get(), s.which, &s.active), "CVodeSetUserDataB");
  const double atol_b = opts_.adjoint_atol > 0 ? opts_.adjoint_atol : opts_.atol;
  check(CVodeSStolerancesB(s.mem.get(), s.which, opts_.rtol, atol_b), "CVodeSStolerancesB");
  check(CVodeSetMaxNumStepsB(s.mem.get(), s.which, opts_.max_steps_per_output),
        "CVodeSetMaxNumStepsB");
  if (opts_.max_order > 0) check(CVodeSetMaxOrdB(s.mem.get(), s.which, opts_.max_order), "MaxOrdB");
  if (opts_.nls == nonlinear_solver::fixed_point) {
    s.nls_b.reset(
        check_ptr(SUNNonlinSol_FixedPoint(s.y_b.get(), 0, s.ctx.get()), "SUNNonlinSol_FixedPoint"));
    check(CVodeSetNonlinearSolverB(s.mem.get(), s.which, s.nls_b.get()),
          "CVodeSetNonlinearSolverB");
  } else if (opts_.ls == linear_solver::gmres || opts_.ls == linear_solver::block) {
    const bool prec = sys.has_transposed_preconditioner();
    s.ls_b.reset(check_ptr(SUNLinSol_SPGMR(s.y_b.get(), prec ? SUN_PREC_LEFT : SUN_PREC_NONE,
                                           opts_.krylov_dim, s.ctx.get()),
                           "SPGMR"));
    check(CVodeSetLinearSolverB(s.mem.get(), s.which, s.ls_b.get(), nullptr),
          "CVodeSetLinearSolverB");
    check(CVodeSetJacTimesB(s.mem.get(), s.which, nullptr, jtimes_b_callback), "CVodeSetJacTimesB");
    if (prec)
      check(CVodeSetPreconditionerB(s.mem.get(), s.which, prec_setup_b_callback,
                                    prec_solve_b_callback),
            "CVodeSetPreconditionerB");
  } else {
    const auto len = static_cast<sunindextype>(n);
    s.mat_b.reset(check_ptr(SUNDenseMatrix(len, len, s.ctx.get()), "SUNDenseMatrix"));
    s.ls_b.reset(
        check_ptr(SUNLinSol_Dense(s.y_b.get(), s.mat_b.get(), s.ctx.get()), "SUNLinSol_Dense"));
    check(CVodeSetLinearSolverB(s.mem.get(), s.which, s.ls_b.get(), s.mat_b.get()),
          "CVodeSetLinearSolverB");
    if (opts_.analytic_jacobian)
      check(CVodeSetJacFnB(s.mem.get(), s.which, jac_b_callback), "CVodeSetJacFnB");
  }
  if (p) {
    check(CVodeQuadInitB(s.mem.get(), s.which, quad_b_callback, s.q_b.get()), "CVodeQuadInitB");
    // The gradient is the quadrature: it takes part in the error test, at the solve's tolerances,
    // so that its accuracy is the user's rtol and not whatever lambda's steps happen to give.
    check(CVodeQuadSStolerancesB(s.mem.get(), s.which, opts_.rtol, atol_b), "QuadTolerancesB");
    check(CVodeSetQuadErrConB(s.mem.get(), s.which, SUNTRUE), "CVodeSetQuadErrConB");
  }
  void* mem_b = CVodeGetAdjCVodeBmem(s.mem.get(), s.which);

  // Segment by segment between output times: at each t_k the loss adds its dl_k/dy to lambda,
  // which is a jump, so the backward problem restarts there.
  double t_now = t_last;
  bool reinitialised = false;
  for (std::size_t k = k_out; k-- > 0;) {
    const double target = k > 0 ? s.t_out[k - 1] : s.t0;
    if (target < t_now) {
      const solve_stats before = counters_before(mem_b, opts_, reinitialised);
      reinitialised = false;
      const int rc = CVodeB(s.mem.get(), target, CV_NORMAL);
      res.stats += difference(read_stats(mem_b, opts_), before);
      if (rc < 0) {
        res.status = map_status(rc);
        break;
      }
      sunrealtype t_ret = target;
      check(CVodeGetB(s.mem.get(), s.which, &t_ret, s.y_b.get()), "CVodeGetB");
      if (p) check(CVodeGetQuadB(s.mem.get(), s.which, &t_ret, s.q_b.get()), "CVodeGetQuadB");
      res.t_reached = t_now = target;
    }
    if (k == 0) break;
    lambda = N_VGetArrayPointer(s.y_b.get());
    const double* jump = dl_dy.data() + (k - 1) * n;
    for (std::size_t i = 0; i < n; ++i) lambda[i] += jump[i];
    if (target > s.t0 || k > 1) {
      check(CVodeReInitB(s.mem.get(), s.which, target, s.y_b.get()), "CVodeReInitB");
      if (p) check(CVodeQuadReInitB(s.mem.get(), s.which, s.q_b.get()), "CVodeQuadReInitB");
      reinitialised = true;
    }
  }
  budget_steps_ += res.stats.steps;
  if (res.status != solve_status::success) {
    std::fill(dl_dy0.begin(), dl_dy0.end(), std::numeric_limits<double>::quiet_NaN());
    return res;
  }
  lambda = N_VGetArrayPointer(s.y_b.get());
  std::copy_n(lambda, n, dl_dy0.begin());
  if (p) {
    const double* q = N_VGetArrayPointer(s.q_b.get());
    for (std::size_t i = 0; i < p; ++i) dl_dp[i] += q[i];
  }
  return res;
}

}  // namespace esbio::ode
