#include "esbio/tasks/spiral_task.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "esbio/core/error.hpp"
#include "esbio/core/random.hpp"
#include "esbio/models/spiral.hpp"

namespace esbio::tasks {

namespace {

std::vector<double> solve_truth(const task_config& cfg, const std::vector<double>& times) {
  ode::solver_options o;
  o.lmm = ode::method::bdf;
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

}  // namespace

spiral_task::spiral_task(const task_config& cfg)
    : cfg_(cfg), field_(2, cfg.hidden), solver_(cfg.solver) {
  if (cfg.hidden < 1) throw input_error("task.hidden must be at least 1");
  if (cfg.window < 2) throw input_error("task.window must be at least 2");
  if (cfg.points < cfg.window + 1) throw input_error("task.points must exceed task.window");
  if (cfg.batch < 1 || cfg.batch > cfg.points - cfg.window)
    throw input_error("task.batch must be between 1 and task.points - task.window");
  if (!(cfg.t_end > 0)) throw input_error("task.t_end must be positive");
  check_atol_components(cfg, 2);
  layout_.add("W1", cfg.hidden, 2).add("W2", 2, cfg.hidden);
  times_.resize(cfg.points);
  for (std::size_t k = 0; k < cfg.points; ++k)
    times_[k] = cfg.t_end * static_cast<double>(k) / static_cast<double>(cfg.points - 1);
  truth_ = solve_truth(cfg, times_);
  window_out_.resize(cfg.window * 2);
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

const std::vector<std::size_t>& spiral_task::starts_of(std::uint32_t generation) {
  if (generation != starts_generation_) {
    starts_ = batch_starts(generation);
    starts_generation_ = generation;
  }
  return starts_;
}

evaluation spiral_task::evaluate(std::span<const double> theta, std::uint32_t generation,
                                 std::uint32_t) {
  const auto& w1 = layout_.block("W1");
  const auto& w2 = layout_.block("W2");
  field_.bind(theta.subspan(w1.offset, w1.size()), theta.subspan(w2.offset, w2.size()));

  // The field is autonomous, so every window is solved on the first `window` times.
  const std::span<const double> t_win(times_.data(), cfg_.window);
  evaluation ev;
  solver_.begin_budget();
  double abs_err = 0;
  for (const std::size_t s : starts_of(generation)) {
    const std::span<const double> y0(truth_.data() + 2 * s, 2);
    const auto res = solver_.solve(field_, t_win.front(), y0, t_win, window_out_);
    if (!account(ev, res)) break;
    for (std::size_t k = 0; k < 2 * cfg_.window; ++k)
      abs_err += std::abs(window_out_[k] - truth_[2 * s + k]);
  }
  if (ev.ok()) {
    ev.loss = abs_err / static_cast<double>(cfg_.batch * cfg_.window * 2);
    if (!std::isfinite(ev.loss)) ev.status = eval_status::non_finite;
  }
  return ev;
}

evaluation spiral_task::gradient(std::span<const double> theta, std::uint32_t generation,
                                 std::span<double> grad) {
  const auto& w1 = layout_.block("W1");
  const auto& w2 = layout_.block("W2");
  field_.bind(theta.subspan(w1.offset, w1.size()), theta.subspan(w2.offset, w2.size()));
  std::fill(grad.begin(), grad.end(), 0.0);
  // The field's parameter order (W1, W2) is the layout's, so dL/dp lands on theta directly.
  const auto dl_dp = grad.subspan(w1.offset, w1.size() + w2.size());

  const std::span<const double> t_win(times_.data(), cfg_.window);
  const double scale = 1.0 / static_cast<double>(cfg_.batch * cfg_.window * 2);
  std::vector<double> dl_dy(2 * cfg_.window), dl_dy0(2);
  evaluation ev;
  solver_.begin_budget();
  double abs_err = 0;
  for (const std::size_t s : starts_of(generation)) {
    const std::span<const double> y0(truth_.data() + 2 * s, 2);
    if (!account(ev, solver_.forward(field_, t_win.front(), y0, t_win, window_out_))) break;
    for (std::size_t k = 0; k < 2 * cfg_.window; ++k) {
      const double d = window_out_[k] - truth_[2 * s + k];
      abs_err += std::abs(d);
      dl_dy[k] = d > 0 ? scale : (d < 0 ? -scale : 0.0);
    }
    if (!account(ev, solver_.backward(field_, dl_dy, dl_dy0, dl_dp))) break;
  }
  if (ev.ok()) {
    ev.loss = abs_err * scale;
    if (!std::isfinite(ev.loss)) ev.status = eval_status::non_finite;
  }
  return ev;
}

std::vector<named_array> spiral_task::traces(std::span<const double> theta,
                                             std::uint32_t generation) {
  const auto& w1 = layout_.block("W1");
  const auto& w2 = layout_.block("W2");
  field_.bind(theta.subspan(w1.offset, w1.size()), theta.subspan(w2.offset, w2.size()));
  solver_.begin_budget();
  std::vector<double> full(2 * cfg_.points);
  solver_.solve(field_, times_.front(), std::span<const double>(truth_.data(), 2), times_, full);
  const auto starts = batch_starts(generation);
  std::vector<double> start_values(starts.begin(), starts.end()), windows;
  const std::span<const double> t_win(times_.data(), cfg_.window);
  for (const std::size_t s : starts) {
    solver_.begin_budget();
    solver_.solve(field_, t_win.front(), std::span<const double>(truth_.data() + 2 * s, 2), t_win,
                  window_out_);
    windows.insert(windows.end(), window_out_.begin(), window_out_.end());
  }
  return {{"t", {cfg_.points}, times_},
          {"truth", {cfg_.points, 2}, truth_},
          {"prediction", {cfg_.points, 2}, full},
          {"window_starts", {starts.size()}, start_values},
          {"window_prediction", {starts.size(), cfg_.window, 2}, windows}};
}

}  // namespace esbio::tasks
