#include "esbio/tasks/trajectory.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "esbio/tasks/task.hpp"

namespace esbio::tasks {

evaluation solve_trajectories(ode::integrator& solver, trajectory_problem& p) {
  auto& sys = p.system();
  const std::size_t n = sys.size();
  evaluation ev;
  solver.begin_budget();
  double sum = 0;
  std::vector<double> out;
  for (std::size_t k = 0; k < p.segments(); ++k) {
    const auto s = p.segment_at(k);
    out.resize(n * s.t_out.size());
    if (!account(ev, solver.solve(sys, s.t0, s.y0, s.t_out, out))) break;
    p.accumulate(k, out, sum, {});
  }
  if (ev.ok()) {
    ev.loss = p.finish(sum);
    if (!std::isfinite(ev.loss)) ev.status = eval_status::non_finite;
  }
  return ev;
}

evaluation adjoint_trajectories(ode::integrator& solver, trajectory_problem& p,
                                std::span<double> grad) {
  auto& sys = p.system();
  const std::size_t n = sys.size();
  std::vector<double> out, dl_dy, dl_dy0(n), dl_dp(sys.parameter_count(), 0.0);
  evaluation ev;
  solver.begin_budget();
  double sum = 0;
  for (std::size_t k = 0; k < p.segments() && ev.ok(); ++k) {
    const auto s = p.segment_at(k);
    out.resize(n * s.t_out.size());
    dl_dy.assign(out.size(), 0.0);
    if (!account(ev, solver.forward(sys, s.t0, s.y0, s.t_out, out))) break;
    p.accumulate(k, out, sum, dl_dy);
    account(ev, solver.backward(sys, dl_dy, dl_dy0, dl_dp));
  }
  if (ev.ok()) {
    ev.loss = p.finish(sum);
    if (!std::isfinite(ev.loss)) ev.status = eval_status::non_finite;
  }
  std::fill(grad.begin(), grad.end(), 0.0);
  if (ev.ok())
    p.gradient_from(dl_dp, grad);
  else
    std::fill(grad.begin(), grad.end(), std::numeric_limits<double>::quiet_NaN());
  return ev;
}

}  // namespace esbio::tasks
