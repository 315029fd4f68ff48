#pragma once
// The one place esbio meets SUNDIALS: an RAII wrapper over CVODES. It is created once per rank
// and re-initialised for every evaluation, so an ES generation of thousands of solves allocates
// nothing. Every CVODE failure is mapped to a solve_status: a failing member is a result.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "esbio/ode/solver_options.hpp"
#include "esbio/ode/system.hpp"

namespace esbio::ode {

enum class solve_status : std::int32_t {
  success = 0,
  too_much_work = 1,        // CV_TOO_MUCH_WORK or the total step budget
  too_much_accuracy = 2,    // CV_TOO_MUCH_ACC
  error_test_failure = 3,   // CV_ERR_FAILURE
  convergence_failure = 4,  // CV_CONV_FAILURE
  linear_solver_failure = 5,
  rhs_failure = 6,
  other_failure = 7,
};
const char* to_string(solve_status s);

struct solve_stats {
  long steps = 0, rhs_evals = 0, jac_evals = 0, lin_setups = 0, error_test_fails = 0,
       nonlinear_conv_fails = 0, lin_iters = 0;
  solve_stats& operator+=(const solve_stats& o);
};
solve_stats difference(const solve_stats& a, const solve_stats& b);

struct solve_result {
  solve_status status = solve_status::success;
  solve_stats stats;
  double t_reached = 0;  // last time successfully reached
};

class integrator {
 public:
  // Steps between the forward's checkpoints: memory (Hermite data of this many steps) against
  // recomputation in the backward pass.
  // Public for the tests that take several intervals.
  static constexpr int adjoint_checkpoint_steps = 100;

  explicit integrator(solver_options opts = {});
  ~integrator();
  integrator(integrator&&) noexcept;
  integrator& operator=(integrator&&) noexcept;
  integrator(const integrator&) = delete;
  integrator& operator=(const integrator&) = delete;

  const solver_options& options() const { return opts_; }

  // Start a new evaluation's work budget: the solves that follow share max_steps_total and
  // max_seconds until the next call.
  void begin_budget();

  // Integrate sys from (t0, y0) and write y(t_k) into out[k*n .. k*n+n) for every output time
  // (increasing, all > t0 or == t0, which copies y0). On failure the rows not reached are NaN.
  solve_result solve(system& sys, double t0, std::span<const double> y0,
                     std::span<const double> t_out, std::span<double> out);
  // Continue the last solve of sys from where it stopped, without re-initialising: CVODE keeps
  // its step size, order and history across a change of the system's inputs (e.g. the next
  // token), which is cheaper than a restart when the jump is mild. Every solve and advance stops
  // exactly at its last output time.
  solve_result advance(system& sys, std::span<const double> t_out, std::span<double> out);

  // The continuous adjoint (CVODES). forward() is solve() that also keeps checkpoints of the
  // trajectory; backward() then integrates lambda' = -J^T lambda from the last output time to t0
  // for a loss L that depends on the outputs: dl_dy holds dL/dy(t_k) for every output of the
  // forward (t_out.size() x size()), added to lambda as the backward solve passes t_k. It writes
  // dL/dy0 into dl_dy0 (size() entries) and adds dL/dp = integral of (df/dp)^T lambda dt into
  // dl_dp (parameter_count() entries). sys must be the system of the forward, unchanged.
  solve_result forward(system& sys, double t0, std::span<const double> y0,
                       std::span<const double> t_out, std::span<double> out);
  solve_result backward(system& sys, std::span<const double> dl_dy, std::span<double> dl_dy0,
                        std::span<double> dl_dp);

 private:
  struct impl;
  solver_options opts_;
  std::unique_ptr<impl> impl_;
  std::unique_ptr<impl> adjoint_;  // the forward() of the adjoint, rebuilt for each one
  void start(impl& s, system& sys, double t0, std::span<const double> y0,
             std::span<const double> t_out, std::span<double> out, const char* who);
  solve_result march(impl& s, std::span<const double> t_out, std::span<double> out,
                     std::span<const double> y_now, bool checkpoint);

  double t_now_ = 0;
  long budget_steps_ = 0;
  double budget_start_ = 0;  // steady-clock seconds
};

// SUNDIALS version string, for run-file metadata.
std::string sundials_version();

}  // namespace esbio::ode
