#pragma once
// Benchmark functions for the strategies (task.name = sphere | ellipsoid | rosenbrock |
// rastrigin): pure, fast, with known optima f(x*) = 0, the test bench of every strategy and a way
// to see one work in seconds. x has task.dimension entries (block "x"); the loss is f(x):
//   sphere      sum_i x_i^2                                           x* = 0
//   ellipsoid   sum_i c^(i/(D-1)) x_i^2, c = task.condition (1e6)     x* = 0
//   rosenbrock  sum_{i<D-1} 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2     x* = 1
//   rastrigin   10 D + sum_i (x_i^2 - 10 cos(2 pi x_i))                x* = 0 (many local minima)
// The start x0 (task.x0) is all 3 for sphere, ellipsoid and rastrigin and all 0 for Rosenbrock,
// away from the optimum as the usual benchmark set-ups have it; one value is repeated, or give D.
// The exact gradient is analytic (method = bp, guided ES).

#include <cstdint>
#include <vector>

#include "esbio/core/schema.hpp"
#include "esbio/tasks/registry.hpp"
#include "esbio/tasks/task.hpp"

namespace esbio::tasks {

enum class benchmark_function { sphere, ellipsoid, rosenbrock, rastrigin };

struct benchmark_config {
  benchmark_function function = benchmark_function::sphere;
  std::size_t dimension = 10;
  // task.x0 as given: empty for the function's default start, one value for every entry, or
  // dimension values.
  std::vector<double> x0;
  double condition = 1e6;             // ellipsoid
  std::vector<double> start() const;  // x0 at its dimension entries
  void validate() const;              // input_error naming the bad setting
};

class benchmark_task final : public task {
 public:
  explicit benchmark_task(benchmark_config cfg);
  std::string name() const override;
  const param_layout& layout() const override { return layout_; }
  std::vector<double> initial_params() const override { return cfg_.start(); }
  bool has_gradient() const override { return true; }
  std::unique_ptr<evaluator> make_evaluator() const override;

  double value(std::span<const double> x) const;
  void gradient(std::span<const double> x, std::span<double> grad) const;

 private:
  benchmark_config cfg_;
  param_layout layout_;
};

// The registry's entry for one function: its options (task.dimension, task.x0, and
// task.condition for the ellipsoid) and factory.
task_kind benchmark_kind(benchmark_function f, std::string name, std::string summary);

}  // namespace esbio::tasks
