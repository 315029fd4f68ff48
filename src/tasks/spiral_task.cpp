#include "esbio/tasks/spiral_task.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>

#include "esbio/core/error.hpp"
#include "esbio/core/random.hpp"
#include "esbio/models/mlp_field.hpp"
#include "esbio/models/spiral.hpp"
#include "esbio/ode/integrator.hpp"
#include "esbio/tasks/shared_options.hpp"
#include "esbio/tasks/trajectory.hpp"

namespace esbio::tasks {

const schema<spiral_config>& spiral_config::schema() {
  using c = spiral_config;
  using namespace codecs;
  static const auto s =
      esbio::schema<c>()
          .field("task.hidden", &c::hidden, count<std::size_t>(1, 1u << 20),
                 "spiral: hidden width H of the MLP vector field")
          .field("task.batch", &c::batch, count<std::size_t>(1, 1u << 20),
                 "spiral: windows per generation")
          .field("task.window", &c::window, count<std::size_t>(2, 1u << 20),
                 "spiral: consecutive points per window")
          .field("task.points", &c::points, count<std::size_t>(3, 1u << 22),
                 "spiral: observation times of the true trajectory")
          .field("task.t_end", &c::t_end, real(real_sign::positive),
                 "spiral: end of the observation interval")
          .field("task.windows", &c::batched_windows,
                 choice<bool>({{"separate", false}, {"batched", true}}),
                 "spiral: separate (one solve per window) | batched (a batch's windows as one "
                 "system: 1.7x faster BP gradients, slower ES evaluations; docs/science.md)")
          .field("task.precision", &c::precision,
                 choice<models::field_precision>({{"float64", models::field_precision::float64},
                                                  {"float32", models::field_precision::float32}}),
                 "spiral: float64 | float32 (the field's products and tanh in single precision at "
                 "twice the vector width; solver, state and BP's vector-Jacobian products stay "
                 "double)")
          .field("task.truth_rtol", &c::truth_rtol, real(real_sign::positive),
                 "relative tolerance of the true-trajectory solve")
          .field("task.truth_atol", &c::truth_atol, real(real_sign::positive),
                 "absolute tolerance of the true-trajectory solve")
          .section(&c::solver, solver_schema());
  return s;
}

void spiral_config::validate() const {
  if (hidden < 1) throw input_error("task.hidden must be at least 1");
  if (window < 2) throw input_error("task.window must be at least 2");
  if (points < window + 1) throw input_error("task.points must exceed task.window");
  if (batch < 1 || batch > points - window)
    throw input_error("task.batch must be between 1 and task.points - task.window");
  if (!(t_end > 0)) throw input_error("task.t_end must be positive");
  check_linear_solver(solver, false);
  check_atol_components(solver, 2, "spiral");
}

namespace {

std::vector<double> solve_truth(const spiral_config& cfg, const std::vector<double>& times) {
  ode::solver_options o;
  o.lmm = ode::method::bdf;
  o.nls = ode::nonlinear_solver::newton;
  o.rtol = cfg.truth_rtol;
  o.atol = cfg.truth_atol;
  o.max_steps_total = 10'000'000;
  ode::integrator solver(o);
  models::cubic_spiral spiral;
  const double y0[2] = {2.0, 0.0};
  std::vector<double> out(times.size() * 2);
  const auto res = solver.solve(spiral, times.front(), y0, times, out);
  if (res.status != ode::solve_status::success)
    throw std::runtime_error(std::string("the spiral truth failed to integrate: ") +
                             ode::to_string(res.status));
  return out;
}

// One evaluation's windows: the field bound to theta, each window solved from its true start on
// the first `window` times (the field is autonomous). Separate: one segment per window with the
// one-copy field. Batched: one segment, the batch-copy field from all starts stacked, so the
// outputs are window x (batch x 2).
class spiral_windows final : public trajectory_problem {
 public:
  // Windows [first, first + count) of the batch (all by default). The loss keeps the whole
  // batch's normaliser, so the parts of a batch sum to its loss (BP over ranks).
  spiral_windows(const spiral_task& task, models::cubic_mlp_field& field,
                 const std::vector<std::size_t>& starts, std::size_t first = 0,
                 std::size_t count = std::size_t(-1))
      : task_(task),
        field_(field),
        starts_(std::span<const std::size_t>(starts).subspan(
            first, std::min(count, starts.size() - first))),
        cfg_(task.config_values()) {
    if (field_.copies() > 1) {
      stacked_.resize(2 * starts_.size());
      for (std::size_t b = 0; b < starts_.size(); ++b)
        std::copy_n(task_.truth().data() + 2 * starts_[b], 2, stacked_.data() + 2 * b);
    }
  }

  ode::system& system() override { return field_; }
  std::size_t segments() const override { return batched() ? 1 : starts_.size(); }
  segment segment_at(std::size_t k) const override {
    const std::span<const double> t_win(task_.times().data(), cfg_.window);
    if (batched()) return {task_.times().front(), stacked_, t_win};
    return {task_.times().front(),
            std::span<const double>(task_.truth().data() + 2 * starts_[k], 2), t_win};
  }
  void accumulate(std::size_t k, std::span<const double> out, double& sum,
                  std::span<double> dl_dy) const override {
    const double scale = 1.0 / static_cast<double>(cfg_.batch * cfg_.window * 2);
    const std::size_t windows = batched() ? starts_.size() : 1, row = 2 * windows;
    for (std::size_t b = 0; b < windows; ++b) {
      const double* truth = task_.truth().data() + 2 * starts_[batched() ? b : k];
      for (std::size_t i = 0; i < cfg_.window; ++i)
        for (std::size_t c = 0; c < 2; ++c) {
          const std::size_t at = i * row + 2 * b + c;
          const double d = out[at] - truth[2 * i + c];
          sum += std::abs(d);
          if (!dl_dy.empty()) dl_dy[at] = d > 0 ? scale : (d < 0 ? -scale : 0.0);
        }
    }
  }
  double finish(double sum) const override {
    return sum / static_cast<double>(cfg_.batch * cfg_.window * 2);
  }
  // The field's parameter order (W1, W2) is the layout's, so dL/dp is theta's gradient.
  void gradient_from(std::span<const double> dl_dp, std::span<double> grad) const override {
    std::copy(dl_dp.begin(), dl_dp.end(), grad.begin());
  }

 private:
  bool batched() const { return field_.copies() > 1; }
  const spiral_task& task_;
  models::cubic_mlp_field& field_;
  std::span<const std::size_t> starts_;
  const spiral_config& cfg_;
  std::vector<double> stacked_;  // batched: every window's start, batch x 2
};

class spiral_evaluator final : public evaluator {
 public:
  explicit spiral_evaluator(const spiral_task& task)
      : task_(task),
        field_(2, task.config_values().hidden, 1, task.config_values().precision),
        batch_field_(2, task.config_values().hidden, task.config_values().batch,
                     task.config_values().precision),
        solver_(task.config_values().solver) {}

  using evaluator::evaluate;
  using evaluator::gradient;
  // A part is a chunk of the batch's windows (spiral_task::batch_parts).
  evaluation evaluate(std::span<const double> theta, const work_item& item) override {
    if (item.parts == 1) {
      spiral_windows p(task_, bind(windows_field(), theta), starts_of(item.generation));
      return solve_trajectories(solver_, p);
    }
    auto p = part_of(theta, item);
    return solve_trajectories(solver_, p);
  }
  evaluation gradient(std::span<const double> theta, const work_item& item,
                      std::span<double> grad) override {
    if (item.parts == 1) {
      spiral_windows p(task_, bind(windows_field(), theta), starts_of(item.generation));
      return adjoint_trajectories(solver_, p, grad);
    }
    auto p = part_of(theta, item);
    return adjoint_trajectories(solver_, p, grad);
  }
  // t, truth and the model's prediction from y(0) over the whole interval, plus the batch's
  // window starts and window predictions.
  std::vector<named_array> traces(std::span<const double> theta,
                                  std::uint32_t generation) override {
    const auto& cfg = task_.config_values();
    const auto& times = task_.times();
    const auto& truth = task_.truth();
    auto& field = bind(field_, theta);
    solver_.begin_budget();
    std::vector<double> full(2 * cfg.points);
    solver_.solve(field, times.front(), std::span<const double>(truth.data(), 2), times, full);
    const auto starts = task_.batch_starts(generation);
    std::vector<double> start_values(starts.begin(), starts.end()), windows, out(2 * cfg.window);
    const std::span<const double> t_win(times.data(), cfg.window);
    for (const std::size_t s : starts) {
      solver_.begin_budget();
      solver_.solve(field, t_win.front(), std::span<const double>(truth.data() + 2 * s, 2), t_win,
                    out);
      windows.insert(windows.end(), out.begin(), out.end());
    }
    return {{"t", {cfg.points}, times},
            {"truth", {cfg.points, 2}, truth},
            {"prediction", {cfg.points, 2}, full},
            {"window_starts", {starts.size()}, start_values},
            {"window_prediction", {starts.size(), cfg.window, 2}, windows}};
  }

 private:
  // Windows of chunk `part` of `parts` (contiguous, as even as the batch allows), one solve each.
  spiral_windows part_of(std::span<const double> theta, const work_item& item) {
    const std::size_t b = task_.config_values().batch;
    const std::size_t first = item.part * b / item.parts, last = (item.part + 1) * b / item.parts;
    return {task_, bind(field_, theta), starts_of(item.generation), first, last - first};
  }
  models::cubic_mlp_field& windows_field() {
    return task_.config_values().batched_windows ? batch_field_ : field_;
  }
  models::cubic_mlp_field& bind(models::cubic_mlp_field& f, std::span<const double> theta) {
    const auto& w1 = task_.layout().block("W1");
    const auto& w2 = task_.layout().block("W2");
    f.bind(theta.subspan(w1.offset, w1.size()), theta.subspan(w2.offset, w2.size()));
    return f;
  }
  // Every member of a generation uses the same windows: draw them once per generation.
  const std::vector<std::size_t>& starts_of(std::uint32_t generation) {
    if (generation != starts_generation_) {
      starts_ = task_.batch_starts(generation);
      starts_generation_ = generation;
    }
    return starts_;
  }

  const spiral_task& task_;
  models::cubic_mlp_field field_, batch_field_;  // one copy (traces, separate), batch copies
  ode::integrator solver_;
  std::optional<std::uint32_t> starts_generation_;
  std::vector<std::size_t> starts_;
};

}  // namespace

spiral_task::spiral_task(spiral_config cfg) : cfg_(std::move(cfg)) {
  cfg_.validate();
  layout_.add("W1", cfg_.hidden, 2).add("W2", 2, cfg_.hidden);
  times_.resize(cfg_.points);
  for (std::size_t k = 0; k < cfg_.points; ++k)
    times_[k] = cfg_.t_end * static_cast<double>(k) / static_cast<double>(cfg_.points - 1);
  truth_ = solve_truth(cfg_, times_);
}

std::unique_ptr<evaluator> spiral_task::make_evaluator() const {
  return std::make_unique<spiral_evaluator>(*this);
}

std::vector<double> spiral_task::initial_params() const {
  // PyTorch's default U(+-1/sqrt(fan_in)) of the reference code's bias-free layers.
  std::vector<double> theta(layout_.size());
  const auto& w1 = layout_.block("W1");
  const auto& w2 = layout_.block("W2");
  const double b1 = 1.0 / std::sqrt(static_cast<double>(cfg_.hidden));
  const double b2 = 1.0 / std::sqrt(2.0);
  random_stream(cfg_.seed, stream::init, 0, 0)
      .fill_uniform(std::span(theta).subspan(w1.offset, w1.size()), -b1, b1);
  random_stream(cfg_.seed, stream::init, 0, 1)
      .fill_uniform(std::span(theta).subspan(w2.offset, w2.size()), -b2, b2);
  return theta;
}

std::vector<std::size_t> spiral_task::batch_starts(std::uint32_t generation) const {
  const std::size_t n = cfg_.points - cfg_.window;
  std::vector<std::size_t> idx(n);
  std::iota(idx.begin(), idx.end(), std::size_t{0});
  const random_stream rs(cfg_.seed, stream::batch, generation, 0);
  for (std::size_t k = 0; k < cfg_.batch; ++k) {
    const auto j = k + rs.below(k, n - k);
    std::swap(idx[k], idx[j]);
  }
  idx.resize(cfg_.batch);
  return idx;
}

}  // namespace esbio::tasks
