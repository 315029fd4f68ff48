#include "esbio/core/error.hpp"
#include "esbio/tasks/evidence_task.hpp"
#include "esbio/tasks/robertson_task.hpp"
#include "esbio/tasks/spiral_task.hpp"
#include "esbio/tasks/turn_off_task.hpp"

namespace esbio::tasks {

bool account(evaluation& ev, const ode::solve_result& res) {
  ev.steps += res.stats.steps;
  ev.rhs_evals += res.stats.rhs_evals;
  if (res.status == ode::solve_status::success) return true;
  ev.status = res.status == ode::solve_status::too_much_work ? eval_status::work_budget
                                                             : eval_status::solver_failure;
  ev.detail = static_cast<std::int32_t>(res.status);
  return false;
}

evaluation task::gradient(std::span<const double>, std::uint32_t, std::span<double>) {
  throw input_error("method = bp: task " + name() + " has no backpropagation gradient");
}

void check_atol_components(const task_config& cfg, std::size_t n) {
  const auto k = cfg.solver.atol_per_component.size();
  if (k != 0 && k != n)
    throw input_error("ode.atol_per_component needs " + std::to_string(n) + " values for task " +
                      cfg.name + " (one per state), got " + std::to_string(k));
}

const std::vector<std::string>& task_names() {
  static const std::vector<std::string> names{"spiral", "turn_off", "evidence", "robertson"};
  return names;
}

namespace {

std::unique_ptr<task> construct(const task_config& cfg) {
  if (cfg.name == "spiral") return std::make_unique<spiral_task>(cfg);
  if (cfg.name == "turn_off") return std::make_unique<turn_off_task>(cfg);
  if (cfg.name == "evidence") return std::make_unique<evidence_task>(cfg);
  if (cfg.name == "robertson") return std::make_unique<robertson_task>(cfg);
  std::string known;
  for (const auto& n : task_names()) known += (known.empty() ? "" : ", ") + n;
  throw input_error("unknown task '" + cfg.name + "' (known: " + known + ")");
}

}  // namespace

std::unique_ptr<task> make_task(const task_config& cfg) {
  auto t = construct(cfg);
  const auto p = t->layout().size();
  if (p > max_parameters)
    throw input_error("task " + cfg.name + " as configured has " + std::to_string(p) +
                      " parameters, more than esbio's limit of " + std::to_string(max_parameters));
  return t;
}

}  // namespace esbio::tasks
