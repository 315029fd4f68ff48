#pragma once
// The outcome of one evaluation of one population member: what workers send back to rank 0.
// It is trivially copyable on purpose: it crosses the network as raw bytes.

#include <chrono>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace esbio {

enum class eval_status : std::int32_t {
  ok = 0,
  solver_failure = 1,  // the integrator gave up (detail holds its code)
  work_budget = 2,     // the per-evaluation step budget was exceeded
  non_finite = 3,      // the loss came out NaN or infinite
};

const char* to_string(eval_status s);

struct evaluation {
  double loss = std::numeric_limits<double>::quiet_NaN();
  double accuracy = std::numeric_limits<double>::quiet_NaN();  // NaN where not a classification
  eval_status status = eval_status::ok;
  std::int32_t detail = 0;  // solver status code when status == solver_failure
  std::int64_t steps = 0;   // integrator steps, summed over the evaluation's solves
  std::int64_t rhs_evals = 0;
  // The linear algebra behind the steps (0 for fixed-point and fixed-step solves): what a
  // benchmark reports without re-running a task's solves itself.
  std::int64_t lin_iters = 0, lin_setups = 0, error_test_fails = 0, nonlinear_fails = 0;
  double seconds = 0;  // wall time of the evaluation (statistics only, never used in θ; see timed)

  bool ok() const { return status == eval_status::ok; }
};
static_assert(std::is_trivially_copyable_v<evaluation>);

// eval() with its wall time in seconds: the one place evaluations are timed (the contexts call
// every evaluation through it), so tasks do not keep clocks of their own.
template <class Eval>
evaluation timed(Eval&& eval) {
  const auto start = std::chrono::steady_clock::now();
  evaluation ev = eval();
  ev.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return ev;
}

}  // namespace esbio
