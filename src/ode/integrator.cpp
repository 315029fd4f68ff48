#include "esbio/ode/integrator.hpp"

#include <sundials/sundials_version.h>
#include <sunlinsol/sunlinsol_spgmr.h>
#include <sunnonlinsol/sunnonlinsol_fixedpoint.h>

#include "block_linear_solver.hpp"
#include "cvodes_impl.hpp"
#include "fast_vector_ops.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace esbio::ode {

const char* to_string(solve_status s) {
  switch (s) {
    case solve_status::success:
      return "success";
    case solve_status::too_much_work:
      return "too_much_work";
    case solve_status::too_much_accuracy:
      return "too_much_accuracy";
    case solve_status::error_test_failure:
      return "error_test_failure";
    case solve_status::convergence_failure:
      return "convergence_failure";
    case solve_status::linear_solver_failure:
      return "linear_solver_failure";
    case solve_status::rhs_failure:
      return "rhs_failure";
    case solve_status::other_failure:
      return "other_failure";
  }
  return "unknown";
}

solve_stats difference(const solve_stats& a, const solve_stats& b) {
  solve_stats d;
  d.steps = a.steps - b.steps;
  d.rhs_evals = a.rhs_evals - b.rhs_evals;
  d.jac_evals = a.jac_evals - b.jac_evals;
  d.lin_setups = a.lin_setups - b.lin_setups;
  d.error_test_fails = a.error_test_fails - b.error_test_fails;
  d.nonlinear_conv_fails = a.nonlinear_conv_fails - b.nonlinear_conv_fails;
  d.lin_iters = a.lin_iters - b.lin_iters;
  return d;
}

solve_stats& solve_stats::operator+=(const solve_stats& o) {
  steps += o.steps;
  rhs_evals += o.rhs_evals;
  jac_evals += o.jac_evals;
  lin_setups += o.lin_setups;
  error_test_fails += o.error_test_fails;
  nonlinear_conv_fails += o.nonlinear_conv_fails;
  lin_iters += o.lin_iters;
  return *this;
}

namespace detail {

void check(int rc, const char* what) {
  if (rc < 0) throw std::runtime_error(std::string("SUNDIALS call failed: ") + what);
}

solve_status map_status(int rc) {
  switch (rc) {
    case CV_TOO_MUCH_WORK:
      return solve_status::too_much_work;
    case CV_TOO_MUCH_ACC:
      return solve_status::too_much_accuracy;
    case CV_ERR_FAILURE:
      return solve_status::error_test_failure;
    case CV_CONV_FAILURE:
      return solve_status::convergence_failure;
    case CV_LINIT_FAIL:
    case CV_LSETUP_FAIL:
    case CV_LSOLVE_FAIL:
      return solve_status::linear_solver_failure;
    case CV_RHSFUNC_FAIL:
    case CV_FIRST_RHSFUNC_ERR:
    case CV_REPTD_RHSFUNC_ERR:
    case CV_UNREC_RHSFUNC_ERR:
      return solve_status::rhs_failure;
    default:
      return solve_status::other_failure;
  }
}

solve_stats read_stats(void* mem, const solver_options& o) {
  solve_stats st;
  CVodeGetNumSteps(mem, &st.steps);
  CVodeGetNumRhsEvals(mem, &st.rhs_evals);
  CVodeGetNumErrTestFails(mem, &st.error_test_fails);
  CVodeGetNumNonlinSolvConvFails(mem, &st.nonlinear_conv_fails);
  CVodeGetNumLinSolvSetups(mem, &st.lin_setups);
  const bool newton = o.nls == nonlinear_solver::newton;
  if (newton && o.ls == linear_solver::dense) CVodeGetNumJacEvals(mem, &st.jac_evals);
  if (newton) CVodeGetNumLinIters(mem, &st.lin_iters);
  return st;
}

solve_stats counters_before(void* mem, const solver_options& o, bool reinitialised) {
  solve_stats st = read_stats(mem, o);
  if (reinitialised) st.jac_evals = st.lin_iters = 0;
  return st;
}

system* current(void* user) {
  return *static_cast<system**>(user);
}

void silent_error_handler(int, const char*, const char*, char*, void*) {}

}  // namespace detail

namespace {

using namespace detail;

// A model that throws or produces non-finite derivatives must not take the rank down: the
// former is unrecoverable for this solve, the latter asks CVODE for a smaller step.

int rhs_callback(sunrealtype t, N_Vector y, N_Vector ydot, void* user) {
  auto* sys = current(user);
  try {
    const int rc = sys->rhs(t, N_VGetArrayPointer(y), N_VGetArrayPointer(ydot));
    if (rc != 0) return rc;
    return all_finite(ydot) ? 0 : 1;
  } catch (...) {
    return -1;
  }
}

int jac_callback(sunrealtype t, N_Vector y, N_Vector, SUNMatrix jac, void* user, N_Vector, N_Vector,
                 N_Vector) {
  auto* sys = current(user);
  try {
    SUNMatZero(jac);
    if (!sys->jacobian(t, N_VGetArrayPointer(y), SUNDenseMatrix_Data(jac))) return -1;
    return 0;
  } catch (...) {
    return -1;
  }
}

int prec_setup_callback(sunrealtype t, N_Vector y, N_Vector, booleantype, booleantype* jcur,
                        sunrealtype gamma, void* user) {
  auto* sys = current(user);
  *jcur = SUNTRUE;
  try {
    return sys->precondition_setup(t, N_VGetArrayPointer(y), gamma);
  } catch (...) {
    return -1;
  }
}

int prec_solve_callback(sunrealtype, N_Vector, N_Vector, N_Vector r, N_Vector z, sunrealtype,
                        sunrealtype, int, void* user) {
  auto* sys = current(user);
  try {
    return sys->precondition_solve(N_VGetArrayPointer(r), N_VGetArrayPointer(z));
  } catch (...) {
    return -1;
  }
}

// CVODE calls the setup once per Newton iteration, at the iterate, and the product once per
// Krylov iteration.
int jtsetup_callback(sunrealtype t, N_Vector y, N_Vector, void* user) {
  try {
    return current(user)->jvp_setup(t, N_VGetArrayPointer(y));
  } catch (...) {
    return -1;
  }
}

int jtimes_callback(N_Vector v, N_Vector jv, sunrealtype, N_Vector, N_Vector, void* user,
                    N_Vector) {
  try {
    return current(user)->jvp_apply(N_VGetArrayPointer(v), N_VGetArrayPointer(jv));
  } catch (...) {
    return -1;
  }
}

}  // namespace

integrator::impl::impl() {
  SUNContext c = nullptr;
  check(SUNContext_Create(nullptr, &c), "SUNContext_Create");
  ctx.reset(c);
}

void integrator::impl::release() {
  release_adjoint();
  mem.reset();  // first: it references the solvers and vectors below
  ls.reset();
  nls.reset();
  mat.reset();
  atol_vec.reset();
  y.reset();
  n = 0;
  bound = nullptr;
  initialised = false;
}

// CVODE memory is sized by the problem and set up for one system; it is rebuilt only when
// either changes.
void integrator::impl::prepare(system& sys, const solver_options& o) {
  if (sys.size() == n && mem && bound == &sys) return;
  release();
  n = sys.size();
  bound = &sys;
  const auto len = static_cast<sunindextype>(n);
  y.reset(check_ptr(N_VNew_Serial(len, ctx.get()), "N_VNew_Serial"));
  detail::use_fast_vector_ops(y.get());
  mem.reset(
      check_ptr(CVodeCreate(o.lmm == method::bdf ? CV_BDF : CV_ADAMS, ctx.get()), "CVodeCreate"));
  check(CVodeSetErrHandlerFn(mem.get(), silent_error_handler, nullptr), "CVodeSetErrHandlerFn");
  check(CVodeSetUserData(mem.get(), &active), "CVodeSetUserData");
}

void integrator::impl::configure(const solver_options& o, bool has_preconditioner, bool has_jvp) {
  if (!o.atol_per_component.empty() && o.atol_per_component.size() != n)
    throw std::invalid_argument("per-component atol has " +
                                std::to_string(o.atol_per_component.size()) +
                                " entries for a system of " + std::to_string(n));
  if (!o.atol_per_component.empty()) {
    if (!atol_vec)
      atol_vec.reset(check_ptr(N_VNew_Serial(static_cast<sunindextype>(n), ctx.get()), "atol"));
    std::copy(o.atol_per_component.begin(), o.atol_per_component.end(),
              N_VGetArrayPointer(atol_vec.get()));
    check(CVodeSVtolerances(mem.get(), o.rtol, atol_vec.get()), "CVodeSVtolerances");
  } else {
    check(CVodeSStolerances(mem.get(), o.rtol, o.atol), "CVodeSStolerances");
  }
  check(CVodeSetMaxNumSteps(mem.get(), o.max_steps_per_output), "CVodeSetMaxNumSteps");
  if (o.max_order > 0) check(CVodeSetMaxOrd(mem.get(), o.max_order), "CVodeSetMaxOrd");
  check(CVodeSetNonlinConvCoef(mem.get(), o.nonlinear_conv_coef), "CVodeSetNonlinConvCoef");
  if (o.nls == nonlinear_solver::newton && o.ls == linear_solver::block) {
    if (!has_preconditioner)
      throw std::invalid_argument("linear_solver = block needs a system with a preconditioner");
    ls.reset(make_block_linear_solver(ctx.get(), mem.get(), &active));
    check(CVodeSetLinearSolver(mem.get(), ls.get(), nullptr), "CVodeSetLinearSolver");
  } else if (o.nls == nonlinear_solver::newton && o.ls == linear_solver::gmres) {
    ls.reset(check_ptr(SUNLinSol_SPGMR(y.get(), has_preconditioner ? SUN_PREC_LEFT : SUN_PREC_NONE,
                                       o.krylov_dim, ctx.get()),
                       "SUNLinSol_SPGMR"));
    check(CVodeSetLinearSolver(mem.get(), ls.get(), nullptr), "CVodeSetLinearSolver");
    if (has_preconditioner)
      check(CVodeSetPreconditioner(mem.get(), prec_setup_callback, prec_solve_callback),
            "CVodeSetPreconditioner");
    if (has_jvp && o.analytic_jacobian)
      check(CVodeSetJacTimes(mem.get(), jtsetup_callback, jtimes_callback), "CVodeSetJacTimes");
  } else if (o.nls == nonlinear_solver::newton) {
    const auto len = static_cast<sunindextype>(n);
    mat.reset(check_ptr(SUNDenseMatrix(len, len, ctx.get()), "SUNDenseMatrix"));
    ls.reset(check_ptr(SUNLinSol_Dense(y.get(), mat.get(), ctx.get()), "SUNLinSol_Dense"));
    check(CVodeSetLinearSolver(mem.get(), ls.get(), mat.get()), "CVodeSetLinearSolver");
    if (o.analytic_jacobian) check(CVodeSetJacFn(mem.get(), jac_callback), "CVodeSetJacFn");
  } else {
    nls.reset(check_ptr(SUNNonlinSol_FixedPoint(y.get(), 0, ctx.get()), "SUNNonlinSol_FixedPoint"));
    check(CVodeSetNonlinearSolver(mem.get(), nls.get()), "CVodeSetNonlinearSolver");
  }
}

integrator::integrator(solver_options opts) : opts_(std::move(opts)), impl_(new impl) {
  begin_budget();
  if (!(opts_.rtol > 0) || !(opts_.atol > 0))
    throw std::invalid_argument("integrator tolerances must be positive");
}
integrator::~integrator() = default;
integrator::integrator(integrator&&) noexcept = default;
integrator& integrator::operator=(integrator&&) noexcept = default;

namespace {
double clock_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

void integrator::begin_budget() {
  budget_steps_ = 0;
  budget_start_ = clock_seconds();
}

void integrator::start(impl& s, system& sys, double t0, std::span<const double> y0,
                       std::span<const double> t_out, std::span<double> out, const char* who) {
  const std::size_t n = sys.size();
  if (y0.size() != n || out.size() != n * t_out.size())
    throw std::invalid_argument(std::string(who) + ": buffer sizes do not match the system");
  s.prepare(sys, opts_);
  s.active = &sys;
  std::copy(y0.begin(), y0.end(), N_VGetArrayPointer(s.y.get()));
  if (!s.initialised) {
    check(CVodeInit(s.mem.get(), rhs_callback, t0, s.y.get()), "CVodeInit");
    s.configure(opts_, sys.has_preconditioner(), sys.has_jvp());
    s.initialised = true;
  } else {
    check(CVodeReInit(s.mem.get(), t0, s.y.get()), "CVodeReInit");
    if (opts_.nls == nonlinear_solver::newton && opts_.ls == linear_solver::block)
      reset_block_linear_solver(s.ls.get());
    s.reinitialised = true;
  }
  t_now_ = t0;
}

solve_result integrator::solve(system& sys, double t0, std::span<const double> y0,
                               std::span<const double> t_out, std::span<double> out) {
  start(*impl_, sys, t0, y0, t_out, out, "integrator::solve");
  return march(*impl_, t_out, out, y0, false);
}

solve_result integrator::forward(system& sys, double t0, std::span<const double> y0,
                                 std::span<const double> t_out, std::span<double> out) {
  // CVODES' adjoint leaves traces in a re-initialised memory (its forward recomputations and the
  // backward problem's history change later results in the last bits), so every gradient gets a
  // fresh memory: a gradient is then the same bits whatever this integrator solved before. The
  // allocation is small next to a forward and a backward solve. Plain solves never touch it.
  adjoint_ = std::make_unique<impl>();
  auto& s = *adjoint_;
  start(s, sys, t0, y0, t_out, out, "integrator::forward");
  // Hermite interpolation of the stored steps: the backward problem needs y(t) at arbitrary
  // times between checkpoints.
  check(CVodeAdjInit(s.mem.get(), adjoint_checkpoint_steps, CV_HERMITE), "CVodeAdjInit");
  if (opts_.nls == nonlinear_solver::newton && opts_.ls == linear_solver::block)
    align_block_linear_solver(s.ls.get(), adjoint_checkpoint_steps);
  s.t0 = t0;
  s.t_out.assign(t_out.begin(), t_out.end());
  auto res = march(s, t_out, out, y0, true);
  s.forward_valid = res.status == solve_status::success;
  return res;
}

solve_result integrator::advance(system& sys, std::span<const double> t_out,
                                 std::span<double> out) {
  auto& s = *impl_;
  if (!s.initialised || s.bound != &sys || out.size() != s.n * t_out.size())
    throw std::invalid_argument("integrator::advance: no solve of this system to continue");
  s.active = &sys;
  const double* y = N_VGetArrayPointer(s.y.get());
  const std::vector<double> y_now(y, y + s.n);
  return march(s, t_out, out, y_now, false);
}

solve_result integrator::march(impl& s, std::span<const double> t_out, std::span<double> out,
                               std::span<const double> y_now, bool checkpoint) {
  const std::size_t n = s.n;
  // Counters run from the last (re)initialisation; this call reports its own share.
  const solve_stats before = counters_before(s.mem.get(), opts_, s.reinitialised);
  s.reinitialised = false;
  // Never step past the last output: the caller may change the system's inputs there.
  if (!t_out.empty() && t_out.back() > t_now_)
    check(CVodeSetStopTime(s.mem.get(), t_out.back()), "CVodeSetStopTime");

  solve_result res;
  res.t_reached = t_now_;
  std::fill(out.begin(), out.end(), std::numeric_limits<double>::quiet_NaN());
  for (std::size_t k = 0; k < t_out.size(); ++k) {
    auto row = out.subspan(k * n, n);
    if (t_out[k] == t_now_) {
      std::copy(y_now.begin(), y_now.end(), row.begin());
      continue;
    }
    sunrealtype t_ret = t_now_;
    int checkpoints = 0;
    const int rc = checkpoint
                       ? CVodeF(s.mem.get(), t_out[k], s.y.get(), &t_ret, CV_NORMAL, &checkpoints)
                       : CVode(s.mem.get(), t_out[k], s.y.get(), &t_ret, CV_NORMAL);
    if (rc < 0) {
      res.status = map_status(rc);
      break;
    }
    res.t_reached = t_ret;
    const double* yp = N_VGetArrayPointer(s.y.get());
    std::copy(yp, yp + n, row.begin());
    long steps = 0;
    CVodeGetNumSteps(s.mem.get(), &steps);
    if (budget_steps_ + (steps - before.steps) > opts_.max_steps_total ||
        (opts_.max_seconds > 0 && clock_seconds() - budget_start_ > opts_.max_seconds)) {
      res.status = solve_status::too_much_work;
      break;
    }
  }
  t_now_ = res.t_reached;
  res.stats = difference(read_stats(s.mem.get(), opts_), before);
  budget_steps_ += res.stats.steps;
  return res;
}

std::string sundials_version() {
  char buf[64] = {};
  SUNDIALSGetVersion(buf, sizeof buf);
  return buf;
}

}  // namespace esbio::ode
