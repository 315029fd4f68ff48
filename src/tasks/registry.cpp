#include "esbio/tasks/registry.hpp"

#include <stdexcept>

#include "esbio/core/error.hpp"
#include "esbio/models/network_description.hpp"
#include "esbio/ode/integrator.hpp"
#include "esbio/tasks/benchmark_task.hpp"
#include "esbio/tasks/evidence_task.hpp"
#include "esbio/tasks/network_task.hpp"
#include "esbio/tasks/robertson_task.hpp"
#include "esbio/tasks/spiral_task.hpp"
#include "esbio/tasks/turn_off_task.hpp"

namespace esbio::tasks {

const std::vector<task_kind>& task_kinds() {
  static const std::vector<task_kind> kinds{
      registered<spiral_task>("spiral", "task C: the cubic spiral learned by a neural ODE"),
      registered<turn_off_task>("turn_off", "task A: silence one neuron (neuron.model)"),
      registered<evidence_task>("evidence",
                                "task B: evidence integration by a network (neuron.model)"),
      registered<robertson_task>("robertson", "task D: Robertson's stiff kinetics, a neural ODE"),
      registered<network_task>("network",
                               "your network (task.network) on your data (task.data): "
                               "docs/network-files.md"),
      benchmark_kind(benchmark_function::sphere, "sphere", "benchmark: sum x^2"),
      benchmark_kind(benchmark_function::ellipsoid, "ellipsoid",
                     "benchmark: an ill-conditioned quadratic"),
      benchmark_kind(benchmark_function::rosenbrock, "rosenbrock",
                     "benchmark: Rosenbrock's valley"),
      benchmark_kind(benchmark_function::rastrigin, "rastrigin", "benchmark: many local minima"),
  };
  return kinds;
}

const task_kind& find_task(const std::string& name) {
  std::string known;
  for (const auto& k : task_kinds()) {
    if (k.name == name) return k;
    known += (known.empty() ? "" : ", ") + k.name;
  }
  throw input_error("unknown task '" + name + "' (known: " + known + ")");
}

std::unique_ptr<task> make_task(const std::string& name, const settings& s, std::uint64_t seed) {
  auto t = find_task(name).make(s, seed);
  const auto p = t->layout().size();
  if (p > max_parameters)
    throw input_error("task " + name + " as configured has " + std::to_string(p) +
                      " parameters, more than esbio's limit of " + std::to_string(max_parameters));
  return t;
}

settings task_defaults(const std::string& name, const settings& overrides) {
  settings s;
  for (const auto& o : find_task(name).options) s[o.key] = o.default_value;
  for (const auto& [k, v] : overrides) s[k] = v;
  return s;
}

models::network_description task::network_at(std::span<const double>) const {
  throw input_error("task " + name() + " has no network to export");
}

data_group task::trials_as_dataset(std::uint32_t) const {
  throw input_error("task " + name() +
                    " has no trials of its own to write (--data is for task evidence)");
}

bool evaluator::exact_gradient(std::span<const double>, const work_item&, std::span<double>) {
  return false;
}

evaluation evaluator::gradient(std::span<const double>, const work_item&, std::span<double>) {
  throw input_error("method = bp: this task has no backpropagation gradient");
}

bool account(evaluation& ev, const ode::solve_result& res) {
  ev.steps += res.stats.steps;
  ev.rhs_evals += res.stats.rhs_evals;
  ev.lin_iters += res.stats.lin_iters;
  ev.lin_setups += res.stats.lin_setups;
  ev.error_test_fails += res.stats.error_test_fails;
  ev.nonlinear_fails += res.stats.nonlinear_conv_fails;
  if (res.status == ode::solve_status::success) return true;
  ev.status = res.status == ode::solve_status::too_much_work ? eval_status::work_budget
                                                             : eval_status::solver_failure;
  ev.detail = static_cast<std::int32_t>(res.status);
  return false;
}

}  // namespace esbio::tasks
