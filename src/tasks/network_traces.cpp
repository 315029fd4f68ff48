// What `esbio simulate` records of a network (network_evaluator::traces).
#include <cmath>

#include "esbio/core/spectrum.hpp"
#include "esbio/models/neuron_registry.hpp"
#include "esbio/tasks/network_evaluator.hpp"

namespace esbio::tasks {

std::vector<named_array> network_evaluator::traces(std::span<const double> theta,
                                                   std::uint32_t generation) {
  prepare(theta, work_item{generation});
  const std::size_t trials = batch_.trials, samples = batch_.samples, total = trials * n_;
  const std::size_t points = samples + 1, m = net_->size();
  const auto initial = x_;  // as drawn, before the integration
  std::vector<double> v(trials * points * n_, std::nan("")), f;
  const auto keep = [&](std::size_t trial, std::size_t boundary, const double* volts) {
    const auto first = trial == all_trials ? 0 : trial;
    const auto count = trial == all_trials ? trials : 1;
    for (std::size_t b = 0; b < count; ++b)
      std::copy_n(volts + b * n_, n_, v.data() + ((first + b) * points + boundary) * n_);
  };
  // The Jacobian's stiffness at every sample boundary of trial 0 (BDF path: full states).
  std::vector<double> state0(points * m, std::nan(""));
  const auto keep_all = [&](std::size_t trial, std::size_t boundary, const double* y) {
    keep(trial, boundary, y);
    if (trial == 0) std::copy_n(y, m, state0.data() + boundary * m);
  };
  // Spikes: the first step at or above 0 mV after one below it (Morris-Lecar spikes peak near
  // +20 mV, Hodgkin-Huxley's near +40; subthreshold voltages stay well below 0).
  constexpr double spike_mv = 0.0;
  std::vector<double> previous, spike_trial, spike_neuron, spike_time;
  const auto spikes = [&](std::size_t, std::size_t step, const double* volts) {
    if (step == 0) {
      previous.assign(volts, volts + total);
      return;
    }
    for (std::size_t k = 0; k < total; ++k) {
      if (volts[k] >= spike_mv && previous[k] < spike_mv) {
        spike_trial.push_back(static_cast<double>(k / n_));
        spike_neuron.push_back(static_cast<double>(k % n_));
        spike_time.push_back(run_.dt * static_cast<double>(step));
      }
      previous[k] = volts[k];
    }
  };
  evaluation ev;
  const bool ok = run_.integrator == network_integrator::bdf ? run(ev, f, keep_all, {})
                                                             : run(ev, f, keep, spikes);
  std::vector<double> y;
  if (ok) outputs_of(f, y);
  const std::size_t o = desc_.outputs;
  const std::size_t rows = per_sample_outputs() ? trials * samples : trials;
  if (y.size() != rows * o) y.assign(rows * o, std::nan(""));
  std::vector<double> t_out(v.size()), times(points);
  for (std::size_t k = 0; k < v.size(); ++k) t_out[k] = net_->output(v[k]);
  for (std::size_t s = 0; s < points; ++s) times[s] = run_.sample_ms * static_cast<double>(s);
  std::vector<double> stiffness(points, std::nan(""));
  if (run_.integrator == network_integrator::bdf) {
    std::vector<double> jac(m * m), drive(n_);
    for (std::size_t s = 0; s < points && std::isfinite(state0[s * m]); ++s) {
      drive_of(0, std::min(s, samples - 1), drive.data());
      net_->set_drive(drive);
      std::fill(jac.begin(), jac.end(), 0.0);
      net_->jacobian(times[s], state0.data() + s * m, jac.data());
      stiffness[s] = spectral_extremes(jac, m).ratio();
    }
  }
  const auto f_dims = per_sample_outputs() ? std::vector<std::size_t>{trials, samples, n_}
                                           : std::vector<std::size_t>{trials, n_};
  if (f.size() != (per_sample_outputs() ? total * samples : total))
    f.assign(per_sample_outputs() ? total * samples : total, std::nan(""));
  std::vector<named_array> out{{"t", {points}, times},
                               {"stiffness_ratio", {points}, stiffness},
                               {"V", {trials, points, n_}, v},
                               {"T", {trials, points, n_}, t_out},
                               {"features", f_dims, f},
                               {"outputs",
                                per_sample_outputs() ? std::vector<std::size_t>{trials, samples, o}
                                                     : std::vector<std::size_t>{trials, o},
                                y},
                               {"spike_trial", {spike_trial.size()}, spike_trial},
                               {"spike_neuron", {spike_neuron.size()}, spike_neuron},
                               {"spike_time", {spike_time.size()}, spike_time}};
  const auto& info = models::find_neuron_model(desc_.model());
  for (std::size_t s = 0; s < states_; ++s)
    out.push_back(
        {info.state_names[s] + "0",
         {trials, n_},
         std::vector<double>(initial.begin() + static_cast<std::ptrdiff_t>(s * total),
                             initial.begin() + static_cast<std::ptrdiff_t>((s + 1) * total))});
  switch (batch_.kind) {
    case target_kind::labels:
      out.push_back(
          {"labels", {trials}, std::vector<double>(batch_.labels.begin(), batch_.labels.end())});
      break;
    case target_kind::traces:
      out.push_back({"targets", {trials, samples, o}, batch_.targets});
      out.push_back({"mask", {trials, samples}, batch_.mask});
      break;
    case target_kind::counts:
      out.push_back({"counts", {trials, o}, batch_.counts});
      break;
  }
  return out;
}

}  // namespace esbio::tasks
