#include "esbio/tasks/benchmark_task.hpp"

#include <cmath>
#include <numbers>

#include "esbio/core/error.hpp"

namespace esbio::tasks {

namespace {

class benchmark_evaluator final : public evaluator {
 public:
  explicit benchmark_evaluator(const benchmark_task& task) : task_(task) {}
  using evaluator::evaluate;
  using evaluator::gradient;
  evaluation evaluate(std::span<const double> theta, const work_item&) override {
    evaluation ev;
    ev.loss = task_.value(theta);
    if (!std::isfinite(ev.loss)) ev.status = eval_status::non_finite;
    return ev;
  }
  evaluation gradient(std::span<const double> theta, const work_item& item,
                      std::span<double> grad) override {
    task_.gradient(theta, grad);
    return evaluate(theta, item);
  }
  std::vector<named_array> traces(std::span<const double> theta, std::uint32_t) override {
    return {{"x", {theta.size()}, {theta.begin(), theta.end()}}, {"f", {1}, {task_.value(theta)}}};
  }

 private:
  const benchmark_task& task_;
};

}  // namespace

benchmark_task::benchmark_task(benchmark_config cfg) : cfg_(std::move(cfg)) {
  if (cfg_.dimension < 1) throw input_error("task.dimension must be at least 1");
  if (cfg_.function == benchmark_function::rosenbrock && cfg_.dimension < 2)
    throw input_error("task.dimension must be at least 2 for rosenbrock");
  if (cfg_.x0.size() != cfg_.dimension)
    throw std::invalid_argument("benchmark_task: x0 must have dimension entries");
  layout_.add("x", cfg_.dimension, 1);
}

std::string benchmark_task::name() const {
  switch (cfg_.function) {
    case benchmark_function::sphere:
      return "sphere";
    case benchmark_function::ellipsoid:
      return "ellipsoid";
    case benchmark_function::rosenbrock:
      return "rosenbrock";
    case benchmark_function::rastrigin:
      return "rastrigin";
  }
  return "unknown";
}

std::unique_ptr<evaluator> benchmark_task::make_evaluator() const {
  return std::make_unique<benchmark_evaluator>(*this);
}

double benchmark_task::value(std::span<const double> x) const {
  const std::size_t d = x.size();
  double f = 0;
  switch (cfg_.function) {
    case benchmark_function::sphere:
      for (double v : x) f += v * v;
      break;
    case benchmark_function::ellipsoid:
      for (std::size_t i = 0; i < d; ++i)
        f += std::pow(cfg_.condition,
                      d > 1 ? static_cast<double>(i) / static_cast<double>(d - 1) : 0.0) *
             x[i] * x[i];
      break;
    case benchmark_function::rosenbrock:
      for (std::size_t i = 0; i + 1 < d; ++i) {
        const double a = x[i + 1] - x[i] * x[i], b = 1 - x[i];
        f += 100 * a * a + b * b;
      }
      break;
    case benchmark_function::rastrigin:
      f = 10 * static_cast<double>(d);
      for (double v : x) f += v * v - 10 * std::cos(2 * std::numbers::pi * v);
      break;
  }
  return f;
}

void benchmark_task::gradient(std::span<const double> x, std::span<double> g) const {
  const std::size_t d = x.size();
  std::fill(g.begin(), g.end(), 0.0);
  switch (cfg_.function) {
    case benchmark_function::sphere:
      for (std::size_t i = 0; i < d; ++i) g[i] = 2 * x[i];
      break;
    case benchmark_function::ellipsoid:
      for (std::size_t i = 0; i < d; ++i)
        g[i] = 2 * x[i] *
               std::pow(cfg_.condition,
                        d > 1 ? static_cast<double>(i) / static_cast<double>(d - 1) : 0.0);
      break;
    case benchmark_function::rosenbrock:
      for (std::size_t i = 0; i + 1 < d; ++i) {
        const double a = x[i + 1] - x[i] * x[i];
        g[i] += -400 * x[i] * a - 2 * (1 - x[i]);
        g[i + 1] += 200 * a;
      }
      break;
    case benchmark_function::rastrigin:
      for (std::size_t i = 0; i < d; ++i)
        g[i] = 2 * x[i] + 20 * std::numbers::pi * std::sin(2 * std::numbers::pi * x[i]);
      break;
  }
}

task_kind benchmark_kind(benchmark_function f, std::string name, std::string summary) {
  std::vector<option_spec> options{
      {"task.dimension", "10", name + ": dimension D of x"},
      {"task.x0", "default",
       name + ": start, one value or D comma-separated (default: " +
           (f == benchmark_function::rosenbrock ? "all 0" : "all 3") + ")"},
  };
  if (f == benchmark_function::ellipsoid)
    options.push_back({"task.condition", "1e6", "ellipsoid: condition number of its Hessian"});
  return {std::move(name), std::move(summary), std::move(options),
          [f](setting_reader& r, std::uint64_t, bool build) -> std::unique_ptr<task> {
            benchmark_config c;
            c.function = f;
            c.dimension = r.count("task.dimension", 1, 1u << 24);
            c.x0 = r.reals("task.x0", "default", true);
            if (c.x0.empty())
              c.x0.assign(c.dimension, f == benchmark_function::rosenbrock ? 0.0 : 3.0);
            else if (c.x0.size() == 1)
              c.x0.assign(c.dimension, c.x0.front());
            else if (c.x0.size() != c.dimension)
              throw input_error("task.x0 has " + std::to_string(c.x0.size()) +
                                " values for task.dimension = " + std::to_string(c.dimension) +
                                " (give one or " + std::to_string(c.dimension) + ")");
            if (f == benchmark_function::ellipsoid) c.condition = r.real("task.condition", true);
            if (!build) return nullptr;
            return std::make_unique<benchmark_task>(std::move(c));
          }};
}

}  // namespace esbio::tasks
