// Evaluate a task's initial parameters through the installed library: build the spiral (task C)
// from its option defaults, make an evaluator, evaluate and print the loss; exit 1 unless it is a
// finite, positive loss from a successful solve.
#include <cmath>
#include <cstdio>

#include "esbio/tasks/registry.hpp"
#include "esbio/version.hpp"

int main() {
  using namespace esbio;
  const auto task =
      tasks::make_task("spiral", tasks::task_defaults("spiral", {{"task.hidden", "64"}}), 7);
  const auto theta = task->initial_params();
  const auto ev = task->make_evaluator()->evaluate(theta, 0);
  std::printf("esbio %s: task %s, %zu parameters, loss %.9f, %lld steps, status %s\n",
              esbio::version, task->name().c_str(), theta.size(), ev.loss,
              static_cast<long long>(ev.steps), to_string(ev.status));
  return ev.ok() && std::isfinite(ev.loss) && ev.loss > 0 ? 0 : 1;
}
