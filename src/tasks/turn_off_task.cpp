#include "esbio/tasks/turn_off_task.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "esbio/core/error.hpp"
#include "esbio/core/random.hpp"
#include "esbio/core/spectrum.hpp"
#include "esbio/models/neuron_registry.hpp"
#include "esbio/models/spike_indicator.hpp"
#include "esbio/ode/integrator.hpp"
#include "esbio/tasks/shared_options.hpp"
#include "esbio/tasks/trajectory.hpp"

namespace esbio::tasks {

const schema<turn_off_config>& turn_off_config::schema() {
  using c = turn_off_config;
  using codecs::real;
  const auto any = real(), positive = real(real_sign::positive),
             non_negative = real(real_sign::non_negative);
  static const auto s =
      esbio::schema<c>()
          .field("task.horizon", &c::horizon, positive, "turn_off: simulated time in ms")
          .field("task.outputs", &c::outputs, codecs::count<std::size_t>(2, 1u << 22),
                 "turn_off: equally spaced outputs on [0, horizon] in the loss")
          .field("task.input_scale", &c::input_scale, any,
                 "turn_off: input current I = input_scale * W")
          .field("task.w_init", &c::w_init, any, "turn_off: initial W")
          .field("task.v0_mean", &c::v0_mean, any, "turn_off: mean initial V (mV)")
          .field("task.v0_sd", &c::v0_sd, non_negative,
                 "turn_off: standard deviation of the initial V")
          .field("task.w0_mean", &c::w0_mean, any,
                 "turn_off: mean initial w (Morris-Lecar; other models start their gates at "
                 "their steady state at V0)")
          .field("task.w0_sd", &c::w0_sd, non_negative,
                 "turn_off: standard deviation of the initial w (Morris-Lecar)")
          .field("task.heterogeneous", &c::heterogeneous, codecs::flag(),
                 "turn_off: each member its own EL and initial state (paper)")
          .field("task.el_sd", &c::el_sd, non_negative,
                 "turn_off: spread of EL across members when heterogeneous")
          .field("task.spike_threshold", &c::spike_threshold, any,
                 "turn_off: spike indicator threshold (mV)")
          .field("task.spike_gain", &c::spike_gain, positive,
                 "turn_off: spike indicator gain (1/mV)")
          .section(&c::neuron, neuron_schema())
          .section(&c::solver, solver_schema());
  return s;
}

void turn_off_config::validate() const {
  if (!(horizon > 0)) throw input_error("task.horizon must be positive");
  if (outputs < 2) throw input_error("task.outputs must be at least 2");
  check_linear_solver(solver, false);
  neuron.validate();
  check_atol_components(solver, neuron.info().states(), "turn_off");
}

namespace {

// A member's one trajectory from its initial state through every output time.
class neuron_trajectory final : public trajectory_problem {
 public:
  neuron_trajectory(const turn_off_task& task, double w_param, std::uint32_t member)
      : task_(task), cfg_(task.config_values()) {
    const auto s = task.setup(member);
    neuron_ = cfg_.neuron.info().make_neuron(s.constants, cfg_.input_scale * w_param);
    y0_ = s.y0;
  }
  ode::system& system() override { return *neuron_; }
  std::size_t segments() const override { return 1; }
  segment segment_at(std::size_t) const override { return {0.0, y0_, task_.times()}; }
  void accumulate(std::size_t, std::span<const double> out, double& sum,
                  std::span<double> dl_dy) const override {
    const std::size_t k_max = task_.times().size(), m = y0_.size();
    const double inv_k = 1.0 / static_cast<double>(k_max);
    for (std::size_t k = 0; k < k_max; ++k) {
      const double ind = models::spike_indicator(out[m * k], cfg_.spike_threshold, cfg_.spike_gain);
      sum += ind;
      if (!dl_dy.empty()) dl_dy[m * k] = ind * (1 - ind) * cfg_.spike_gain * inv_k;
    }
  }
  double finish(double sum) const override {
    return sum / static_cast<double>(task_.times().size());
  }
  // The neuron's one parameter is I = input_scale W.
  void gradient_from(std::span<const double> dl_dp, std::span<double> grad) const override {
    grad[0] = cfg_.input_scale * dl_dp[0];
  }

 private:
  const turn_off_task& task_;
  const turn_off_config& cfg_;
  std::unique_ptr<models::neuron_system> neuron_;
  std::vector<double> y0_;
};

class turn_off_evaluator final : public evaluator {
 public:
  explicit turn_off_evaluator(const turn_off_task& task)
      : task_(task), solver_(task.config_values().solver) {}

  using evaluator::evaluate;
  using evaluator::gradient;
  evaluation evaluate(std::span<const double> theta, const work_item& item) override {
    neuron_trajectory p(task_, theta[0], item.member);
    return solve_trajectories(solver_, p);
  }
  evaluation gradient(std::span<const double> theta, const work_item&,
                      std::span<double> grad) override {
    neuron_trajectory p(task_, theta[0], 0);
    return adjoint_trajectories(solver_, p, grad);
  }
  std::vector<named_array> traces(std::span<const double> theta, std::uint32_t) override {
    const auto& cfg = task_.config_values();
    const auto& times = task_.times();
    const auto& info = cfg.neuron.info();
    const std::size_t m = info.states(), k_max = times.size();
    neuron_trajectory p(task_, theta[0], 0);
    const auto s = p.segment_at(0);
    std::vector<double> out(m * k_max);
    solver_.begin_budget();
    solver_.solve(p.system(), s.t0, s.y0, s.t_out, out);
    std::vector<std::vector<double>> states(m, std::vector<double>(k_max));
    std::vector<double> t_ind(k_max), ratio(k_max), jac(m * m);
    for (std::size_t k = 0; k < k_max; ++k) {
      for (std::size_t q = 0; q < m; ++q) states[q][k] = out[m * k + q];
      t_ind[k] = models::spike_indicator(states[0][k], cfg.spike_threshold, cfg.spike_gain);
      std::fill(jac.begin(), jac.end(), 0.0);
      p.system().jacobian(times[k], out.data() + m * k, jac.data());
      if (m == 2) {
        // Exactly, from the 2 x 2 eigenvalues (a complex pair has equal magnitudes: 1).
        const double tr = jac[0] + jac[3], det = jac[0] * jac[3] - jac[1] * jac[2];
        const double disc = tr * tr / 4 - det;
        if (disc <= 0) {
          ratio[k] = 1;
        } else {
          const double a = std::abs(tr / 2 + std::sqrt(disc)),
                       b = std::abs(tr / 2 - std::sqrt(disc));
          ratio[k] = std::max(a, b) / std::min(a, b);
        }
      } else {
        ratio[k] = spectral_extremes(jac, m).ratio();
      }
    }
    std::vector<named_array> arrays{{"t", {k_max}, times}};
    for (std::size_t q = 0; q < m; ++q) arrays.push_back({info.state_names[q], {k_max}, states[q]});
    arrays.push_back({"T", {k_max}, t_ind});
    arrays.push_back({"stiffness_ratio", {k_max}, ratio});
    return arrays;
  }

 private:
  const turn_off_task& task_;
  ode::integrator solver_;
};

}  // namespace

turn_off_task::turn_off_task(turn_off_config cfg) : cfg_(std::move(cfg)) {
  cfg_.validate();
  layout_.add("W", 1, 1);
  times_.resize(cfg_.outputs);
  for (std::size_t k = 0; k < cfg_.outputs; ++k)
    times_[k] = cfg_.horizon * static_cast<double>(k) / static_cast<double>(cfg_.outputs - 1);
}

std::unique_ptr<evaluator> turn_off_task::make_evaluator() const {
  return std::make_unique<turn_off_evaluator>(*this);
}

turn_off_task::neuron_setup turn_off_task::setup(std::uint32_t member) const {
  // One draw for the run, or one per member: fixed across generations either way, as the
  // reference code cached its initial conditions.
  const random_stream rs(cfg_.seed, stream::data, 0, cfg_.heterogeneous ? member : 0);
  const auto& info = cfg_.neuron.info();
  neuron_setup s{cfg_.neuron.values(), std::vector<double>(info.states())};
  if (cfg_.heterogeneous) s.constants[info.constant_index("EL")] += cfg_.el_sd * rs.normal(2);
  const double v0 = cfg_.v0_mean + cfg_.v0_sd * rs.normal(0);
  info.steady_state(s.constants, v0, s.y0);
  if (info.name == "morris_lecar") s.y0[1] = cfg_.w0_mean + cfg_.w0_sd * rs.normal(1);
  return s;
}

std::vector<double> turn_off_task::trajectory(double w_param, std::uint32_t member) const {
  const auto s = setup(member);
  const auto neuron = cfg_.neuron.info().make_neuron(s.constants, cfg_.input_scale * w_param);
  ode::integrator solver(cfg_.solver);
  std::vector<double> out(s.y0.size() * times_.size());
  solver.solve(*neuron, 0.0, s.y0, times_, out);
  return out;
}

}  // namespace esbio::tasks
