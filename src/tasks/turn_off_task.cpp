#include "esbio/tasks/turn_off_task.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "esbio/core/error.hpp"
#include "esbio/core/random.hpp"

namespace esbio::tasks {

turn_off_task::turn_off_task(const task_config& cfg) : cfg_(cfg), solver_(cfg.solver) {
  if (!(cfg.horizon > 0)) throw input_error("task.horizon must be positive");
  if (cfg.outputs < 2) throw input_error("task.outputs must be at least 2");
  check_atol_components(cfg, 2);
  if (!(cfg.neuron.C > 0)) throw input_error("neuron.C must be positive");
  if (cfg.neuron.V2 == 0 || cfg.neuron.V4 == 0) throw input_error("neuron.V2 and V4 must not be 0");
  layout_.add("W", 1, 1);
  times_.resize(cfg.outputs);
  for (std::size_t k = 0; k < cfg.outputs; ++k)
    times_[k] = cfg.horizon * static_cast<double>(k) / static_cast<double>(cfg.outputs - 1);
  out_.resize(2 * cfg.outputs);
}

turn_off_task::neuron_setup turn_off_task::setup(std::uint32_t member) const {
  // One draw for the run, or one per member: fixed across generations either way, as the
  // reference code cached its initial conditions.
  const random_stream rs(cfg_.seed, stream::data, 0, cfg_.heterogeneous ? member : 0);
  neuron_setup s{cfg_.neuron, cfg_.v0_mean + cfg_.v0_sd * rs.normal(0),
                 cfg_.w0_mean + cfg_.w0_sd * rs.normal(1)};
  if (cfg_.heterogeneous) s.params.EL += cfg_.el_sd * rs.normal(2);
  return s;
}

ode::solve_result turn_off_task::solve(double w_param, std::uint32_t member,
                                       std::vector<double>& out) {
  const auto s = setup(member);
  neuron_.set_params(s.params);
  neuron_.set_current(cfg_.input_scale * w_param);
  const double y0[2] = {s.v0, s.w0};
  out.resize(2 * times_.size());
  return solver_.solve(neuron_, 0.0, y0, times_, out);
}

std::vector<double> turn_off_task::trajectory(double w_param, std::uint32_t member) {
  std::vector<double> out;
  solve(w_param, member, out);
  return out;
}

evaluation turn_off_task::evaluate(std::span<const double> theta, std::uint32_t,
                                   std::uint32_t member) {
  evaluation ev;
  solver_.begin_budget();
  const auto res = solve(theta[0], member, out_);
  if (account(ev, res)) {
    double sum = 0;
    for (std::size_t k = 0; k < times_.size(); ++k)
      sum += models::spike_indicator(out_[2 * k], cfg_.spike_threshold, cfg_.spike_gain);
    ev.loss = sum / static_cast<double>(times_.size());
    if (!std::isfinite(ev.loss)) ev.status = eval_status::non_finite;
  }
  return ev;
}

evaluation turn_off_task::gradient(std::span<const double> theta, std::uint32_t,
                                   std::span<double> grad) {
  evaluation ev;
  solver_.begin_budget();
  const auto s = setup(0);
  neuron_.set_params(s.params);
  neuron_.set_current(cfg_.input_scale * theta[0]);
  const double y0[2] = {s.v0, s.w0};
  grad[0] = std::numeric_limits<double>::quiet_NaN();
  if (account(ev, solver_.forward(neuron_, 0.0, y0, times_, out_))) {
    const std::size_t k_max = times_.size();
    const double inv_k = 1.0 / static_cast<double>(k_max);
    std::vector<double> dl_dy(2 * k_max, 0.0);
    double sum = 0;
    for (std::size_t k = 0; k < k_max; ++k) {
      const double ind =
          models::spike_indicator(out_[2 * k], cfg_.spike_threshold, cfg_.spike_gain);
      sum += ind;
      dl_dy[2 * k] = ind * (1 - ind) * cfg_.spike_gain * inv_k;
    }
    ev.loss = sum * inv_k;
    double dl_dy0[2], dl_di = 0;
    if (account(ev, solver_.backward(neuron_, dl_dy, dl_dy0, std::span<double>(&dl_di, 1))))
      grad[0] = cfg_.input_scale * dl_di;
    if (!std::isfinite(ev.loss)) ev.status = eval_status::non_finite;
  }
  return ev;
}

std::vector<named_array> turn_off_task::traces(std::span<const double> theta, std::uint32_t) {
  solver_.begin_budget();
  std::vector<double> out;
  solve(theta[0], 0, out);
  const std::size_t k_max = times_.size();
  std::vector<double> v(k_max), w(k_max), t_ind(k_max), ratio(k_max);
  for (std::size_t k = 0; k < k_max; ++k) {
    v[k] = out[2 * k];
    w[k] = out[2 * k + 1];
    t_ind[k] = models::spike_indicator(v[k], cfg_.spike_threshold, cfg_.spike_gain);
    double jac[4];
    neuron_.jacobian(times_[k], out.data() + 2 * k, jac);
    const double tr = jac[0] + jac[3], det = jac[0] * jac[3] - jac[1] * jac[2];
    const double disc = tr * tr / 4 - det;
    if (disc <= 0) {
      ratio[k] = 1;
    } else {
      const double a = std::abs(tr / 2 + std::sqrt(disc)), b = std::abs(tr / 2 - std::sqrt(disc));
      ratio[k] = std::max(a, b) / std::min(a, b);
    }
  }
  return {{"t", {k_max}, times_},
          {"V", {k_max}, v},
          {"w", {k_max}, w},
          {"T", {k_max}, t_ind},
          {"stiffness_ratio", {k_max}, ratio}};
}

}  // namespace esbio::tasks
