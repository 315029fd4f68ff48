#include "esbio/tasks/benchmark_task.hpp"

#include <cmath>
#include <memory>
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
  cfg_.validate();
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

std::vector<double> benchmark_config::start() const {
  if (x0.empty())
    return std::vector<double>(dimension, function == benchmark_function::rosenbrock ? 0.0 : 3.0);
  if (x0.size() == 1) return std::vector<double>(dimension, x0.front());
  return x0;
}

void benchmark_config::validate() const {
  if (dimension < 1) throw input_error("task.dimension must be at least 1");
  if (function == benchmark_function::rosenbrock && dimension < 2)
    throw input_error("task.dimension must be at least 2 for rosenbrock");
  if (x0.size() > 1 && x0.size() != dimension)
    throw input_error("task.x0 has " + std::to_string(x0.size()) +
                      " values for task.dimension = " + std::to_string(dimension) +
                      " (give one or " + std::to_string(dimension) + ")");
}

task_kind benchmark_kind(benchmark_function f, std::string name, std::string summary) {
  using c = benchmark_config;
  auto s = std::make_shared<schema<c>>();
  s->field("task.dimension", &c::dimension, codecs::count<std::size_t>(1, 1u << 24),
           name + ": dimension D of x")
      .field("task.x0", &c::x0, codecs::reals("default", true),
             name + ": start, one value or D comma-separated (default: " +
                 (f == benchmark_function::rosenbrock ? "all 0" : "all 3") + ")");
  if (f == benchmark_function::ellipsoid)
    s->field("task.condition", &c::condition, codecs::real(real_sign::positive),
             "ellipsoid: condition number of its Hessian");
  const auto read = [f, s](const settings& text) {
    c cfg;
    cfg.function = f;
    s->read(text, cfg);
    cfg.validate();
    return cfg;
  };
  return {std::move(name), std::move(summary), s->options(),
          [read, s](const settings& text) { return s->write(read(text)); },
          [read](const settings& text, std::uint64_t) -> std::unique_ptr<task> {
            return std::make_unique<benchmark_task>(read(text));
          }};
}

}  // namespace esbio::tasks
