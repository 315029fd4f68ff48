#include "esbio/tasks/evidence_task.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "esbio/core/error.hpp"
#include "esbio/core/random.hpp"
#include "esbio/core/spectrum.hpp"

namespace esbio::tasks {

namespace {

// CVODE integrates in float64, so the continuous model's float32 is its weights alone.
models::network_options network_options_of(const evidence_config& c) {
  models::network_options o;
  o.float32_weights =
      c.precision == evidence_precision::float32 && c.integrator == evidence_integrator::bdf;
  return o;
}

}  // namespace

evidence_evaluator::evidence_evaluator(const evidence_task& task)
    : task_(task),
      cfg_(task.config_values()),
      layout_(task.layout()),
      embeddings_(task.embeddings()),
      token_steps_(task.token_steps()),
      readout_steps_(task.readout_steps()),
      net_(models::make_network(task.network(), network_options_of(cfg_))),
      solver_(cfg_.solver) {}

const std::vector<evidence_trial>& evidence_evaluator::batch(std::uint32_t generation) {
  if (generation != batch_generation_) {
    full_batch_ = task_.batch(generation);
    batch_generation_ = generation;
  }
  return full_batch_;
}

void evidence_evaluator::initial_state(std::uint32_t generation, std::uint32_t member) {
  const std::size_t total = task_.trials_in(generation) * cfg_.neurons;
  const random_stream rs(cfg_.seed, stream::trial_state, generation,
                         cfg_.common_noise ? 0 : member);
  std::vector<double> v(total);
  rs.fill_normal(v);
  const std::size_t n = cfg_.neurons, states = net_->neuron_states();
  x_.resize(states * total);
  std::vector<double> one(states);
  for (std::size_t k = 0; k < total; ++k) {
    net_->initial_state(k % n, cfg_.trial_v0_mean + cfg_.trial_v0_sd * v[k], one);
    for (std::size_t s = 0; s < states; ++s) x_[s * total + k] = one[s];
  }
}

template <>
evidence_evaluator::fixed_state<double> evidence_evaluator::state_as<double>() {
  return {x_, t_, drive_};
}

template <>
evidence_evaluator::fixed_state<float> evidence_evaluator::state_as<float>() {
  x_f_.resize(x_.size());
  // The initial state is drawn in float64 (the same draws in both precisions), then rounded.
  std::transform(x_.begin(), x_.end(), x_f_.begin(), [](double x) { return float(x); });
  return {x_f_, t_f_, drive_f_};
}

bool evidence_evaluator::features_fixed(std::vector<double>& out, const recorder& rec,
                                        const recorder& each_step) {
  return cfg_.precision == evidence_precision::float32
             ? features_fixed_as<float>(out, rec, each_step)
             : features_fixed_as<double>(out, rec, each_step);
}

template <class real>
bool evidence_evaluator::features_fixed_as(std::vector<double>& out, const recorder& rec,
                                           const recorder& each_step) {
  const std::size_t n = cfg_.neurons, trials = batch_.size(), total = trials * n;
  const std::size_t steps = token_steps_ * evidence_tokens;
  auto st = state_as<real>();
  st.t.assign(total, real(0));  // the reference code starts the lagged coupling from T = 0
  st.drive.resize(total);
  out.assign(total, 0.0);
  std::vector<double> volts;  // the recorder's float64 copy of a float32 state
  const auto record_to = [&](const recorder& to, int index) {
    if constexpr (std::is_same_v<real, double>) {
      to(all_trials, index, st.x.data());
    } else {
      volts.assign(st.x.begin(), st.x.begin() + static_cast<std::ptrdiff_t>(total));
      to(all_trials, index, volts.data());
    }
  };
  const auto record = [&](int boundary) { record_to(rec, boundary); };
  if (rec) record(0);
  if (each_step) record_to(each_step, 0);
  for (std::size_t s = 0; s < steps; ++s) {
    if (rec && s > 0 && s % token_steps_ == 0) record(static_cast<int>(s / token_steps_));
    if (s % token_steps_ == 0) {
      const std::size_t tok = s / token_steps_;
      for (std::size_t b = 0; b < trials; ++b) {
        const double* row = table_.data() + batch_[b].tokens[tok] * n;
        std::transform(row, row + n, st.drive.begin() + static_cast<std::ptrdiff_t>(b * n),
                       [](double x) { return static_cast<real>(x); });
      }
    }
    net_->steps(trials, std::span<real>(st.x), std::span<real>(st.t),
                std::span<const real>(st.drive), cfg_.dt);
    if (each_step) record_to(each_step, static_cast<int>(s + 1));
    if (s >= steps - readout_steps_)
      for (std::size_t k = 0; k < total; ++k) out[k] += static_cast<double>(st.t[k]);
  }
  if (rec) record(evidence_tokens);
  bool finite = true;
  for (double& f : out) {
    f /= static_cast<double>(readout_steps_);
    finite = finite && std::isfinite(f);
  }
  return finite;
}

double evidence_evaluator::segment_outputs(int tok, std::vector<double>& t_out,
                                           bool& readout) const {
  // Every instant is dt times a step index, so a readout instant that falls on a token boundary
  // is the same double as the boundary (computing one by subtraction from t_end once gave
  // 28.800000000000001 against 28.799999999999997, and CVODE refuses to step 4e-15).
  const std::size_t first = token_steps_ * static_cast<std::size_t>(tok);
  const std::size_t last = first + token_steps_;
  const std::size_t readout_from = token_steps_ * evidence_tokens - readout_steps_ + 1;
  t_out.clear();
  for (std::size_t k = std::max(first + 1, readout_from); k <= last; ++k)
    t_out.push_back(cfg_.dt * static_cast<double>(k));
  readout = !t_out.empty();
  if (!readout) t_out.push_back(cfg_.dt * static_cast<double>(last));
  return cfg_.dt * static_cast<double>(first);
}

bool evidence_evaluator::features_bdf(std::vector<double>& out, evaluation& ev,
                                      const recorder& rec) {
  const std::size_t n = cfg_.neurons, trials = batch_.size();
  out.assign(trials * n, 0.0);
  const std::size_t m = net_->size();  // the neurons' states, then the synapses' (from 0)
  const std::size_t states = net_->neuron_states(), total = x_.size() / states;
  std::vector<double> y(m, 0.0), t_out, res_out;
  bool readout = false;
  solver_.begin_budget();
  for (std::size_t b = 0; b < trials; ++b) {
    for (std::size_t s = 0; s < states; ++s)
      std::copy_n(x_.data() + s * total + b * n, n, y.data() + s * n);
    std::fill(y.begin() + static_cast<std::ptrdiff_t>(states * n), y.end(), 0.0);
    if (rec) rec(b, 0, y.data());
    for (int tok = 0; tok < evidence_tokens; ++tok) {
      net_->set_drive(std::span<const double>(table_.data() + batch_[b].tokens[tok] * n, n));
      const double t0 = segment_outputs(tok, t_out, readout);
      res_out.resize(m * t_out.size());
      const auto res = (tok == 0 || cfg_.restart_at_tokens)
                           ? solver_.solve(*net_, t0, y, t_out, res_out)
                           : solver_.advance(*net_, t_out, res_out);
      if (!account(ev, res)) return false;
      if (readout)
        for (std::size_t k = 0; k < t_out.size(); ++k)
          for (std::size_t i = 0; i < n; ++i) out[b * n + i] += net_->output(res_out[m * k + i]);
      std::copy(res_out.end() - static_cast<std::ptrdiff_t>(m), res_out.end(), y.begin());
      if (rec) rec(b, tok + 1, y.data());
    }
  }
  for (double& f : out) f /= static_cast<double>(readout_steps_);
  return true;
}

bool evidence_evaluator::features(std::span<const double> theta, const work_item& item,
                                  std::vector<double>& out) {
  evaluation ev;
  return features(theta, item, out, ev);
}

bool evidence_evaluator::features(std::span<const double> theta, const work_item& item,
                                  std::vector<double>& out, evaluation& ev, const recorder& rec,
                                  const recorder& each_step) {
  prepare(theta, item);
  return cfg_.integrator == evidence_integrator::fixed ? features_fixed(out, rec, each_step)
                                                       : features_bdf(out, ev, rec);
}

void evidence_evaluator::prepare(std::span<const double> theta, const work_item& item) {
  const std::size_t n = cfg_.neurons;
  batch(item.generation);
  initial_state(item.generation, item.member);
  // Trials [first, last) of the batch: the item's part. The initial state is drawn for the whole
  // batch, so a trial starts where it would in the whole.
  const std::size_t all = full_batch_.size(), first = item.part * all / item.parts,
                    last = (item.part + 1) * all / item.parts;
  if (item.parts > all || item.part >= item.parts)
    throw std::logic_error("evidence: part " + std::to_string(item.part) + " of " +
                           std::to_string(item.parts) + " of a batch of " + std::to_string(all));
  normaliser_ = static_cast<double>(all);
  batch_.assign(full_batch_.begin() + static_cast<std::ptrdiff_t>(first),
                full_batch_.begin() + static_cast<std::ptrdiff_t>(last));
  if (first > 0 || last < all) {
    // Each state's block keeps trials [first, last).
    const std::size_t states = net_->neuron_states(), part = (last - first) * n;
    std::vector<double> x(states * part);
    for (std::size_t s = 0; s < states; ++s)
      std::copy_n(x_.data() + s * all * n + first * n, part, x.data() + s * part);
    x_.swap(x);
  }
  // Each word's drive x W_inp, once per evaluation: tokens then only select a row.
  const auto& inp = layout_.block("W_inp");
  table_.assign(vocabulary * n, 0.0);
  for (int word = 0; word < vocabulary; ++word)
    for (int d = 0; d < evidence_embedding; ++d) {
      const double x = embeddings_[word * evidence_embedding + d];
      if (x == 0.0) continue;
      const double* row = theta.data() + inp.offset + d * n;
      for (std::size_t i = 0; i < n; ++i) table_[word * n + i] += x * row[i];
    }
  const auto& w_rec = layout_.block("W_rec");
  net_->bind_recurrent(theta.subspan(w_rec.offset, w_rec.size()));
}

bool evidence_evaluator::exact_gradient(std::span<const double> theta, const work_item& item,
                                        std::span<double> grad) {
  std::vector<double> f, dl_df;
  evaluation ev;
  if (!features(theta, work_item{item.generation, 0, item.part, item.parts}, f, ev)) return false;
  const auto& wro = layout_.block("W_ro");
  const auto& bro = layout_.block("b_ro");
  std::fill(grad.begin() + wro.offset, grad.begin() + wro.offset + wro.size(), 0.0);
  std::fill(grad.begin() + bro.offset, grad.begin() + bro.offset + bro.size(), 0.0);
  readout_backward(theta, f, grad, dl_df);
  return true;
}

void evidence_evaluator::readout_backward(std::span<const double> theta,
                                          const std::vector<double>& f, std::span<double> grad,
                                          std::vector<double>& dl_df) const {
  const std::size_t n = cfg_.neurons;
  const auto& wro = layout_.block("W_ro");
  const auto& bro = layout_.block("b_ro");
  dl_df.assign(batch_.size() * n, 0.0);
  const double inv_b = 1 / normaliser_;
  for (std::size_t b = 0; b < batch_.size(); ++b) {
    double p[evidence_classes];
    logits_of(theta, f.data() + b * n, p);
    const double top = *std::max_element(p, p + evidence_classes);
    double z = 0;
    for (double& l : p) z += (l = std::exp(l - top));
    for (int c = 0; c < evidence_classes; ++c) {
      const double d = (p[c] / z - (batch_[b].label == c ? 1.0 : 0.0)) * inv_b;
      grad[bro.offset + c] += d;
      const double* w_row = theta.data() + wro.offset + c * n;
      for (std::size_t i = 0; i < n; ++i) {
        grad[wro.offset + c * n + i] += d * f[b * n + i];
        dl_df[b * n + i] += d * w_row[i];
      }
    }
  }
}

void evidence_evaluator::drive_backward(const std::vector<double>& d_table,
                                        std::span<double> grad) const {
  const std::size_t n = cfg_.neurons;
  const auto& inp = layout_.block("W_inp");
  for (int word = 0; word < vocabulary; ++word)
    for (int e = 0; e < evidence_embedding; ++e) {
      const double x = embeddings_[word * evidence_embedding + e];
      if (x == 0.0) continue;
      double* row = grad.data() + inp.offset + e * n;
      for (std::size_t i = 0; i < n; ++i) row[i] += x * d_table[word * n + i];
    }
}

void evidence_evaluator::logits_of(std::span<const double> theta, const double* f,
                                   double* logits) const {
  const std::size_t n = cfg_.neurons;
  const auto& wro = layout_.block("W_ro");
  const auto& bro = layout_.block("b_ro");
  for (int c = 0; c < evidence_classes; ++c) {
    double s = theta[bro.offset + c];
    for (std::size_t i = 0; i < n; ++i) s += theta[wro.offset + c * n + i] * f[i];
    logits[c] = s;
  }
}

evaluation evidence_evaluator::evaluate(std::span<const double> theta, const work_item& item) {
  evaluation ev;
  std::vector<double> f;
  if (features(theta, item, f, ev)) {
    score(theta, f, ev);
  } else if (ev.ok()) {
    ev.status = eval_status::non_finite;
  }
  return ev;
}

void evidence_evaluator::score(std::span<const double> theta, const std::vector<double>& f,
                               evaluation& ev) const {
  const std::size_t n = cfg_.neurons;
  double loss = 0;
  std::size_t correct = 0;
  for (std::size_t b = 0; b < batch_.size(); ++b) {
    double logits[evidence_classes];
    logits_of(theta, f.data() + b * n, logits);
    const double top = *std::max_element(logits, logits + evidence_classes);
    double z = 0;
    for (double l : logits) z += std::exp(l - top);
    loss += top + std::log(z) - logits[batch_[b].label];
    const auto pred = std::max_element(logits, logits + evidence_classes) - logits;
    correct += pred == batch_[b].label ? 1 : 0;
  }
  ev.loss = loss / normaliser_;
  ev.accuracy = static_cast<double>(correct) / normaliser_;
  if (!std::isfinite(ev.loss)) ev.status = eval_status::non_finite;
}

std::vector<named_array> evidence_evaluator::traces(std::span<const double> theta,
                                                    std::uint32_t generation) {
  const std::size_t n = cfg_.neurons, trials = task_.trials_in(generation),
                    samples = evidence_tokens + 1;
  std::vector<double> v(trials * samples * n, std::nan("")), f;
  const auto keep = [&](std::size_t trial, int boundary, const double* volts) {
    const auto first = trial == all_trials ? 0 : trial;
    const auto count = trial == all_trials ? trials : 1;
    for (std::size_t b = 0; b < count; ++b)
      std::copy_n(volts + b * n, n,
                  v.data() + ((first + b) * samples + static_cast<std::size_t>(boundary)) * n);
  };
  // The Jacobian's stiffness at every token boundary of trial 0 (BDF path: full states).
  const std::size_t m = net_->size();
  std::vector<double> state0(samples * m, std::nan(""));
  const auto keep_all = [&](std::size_t trial, int boundary, const double* y) {
    keep(trial, boundary, y);
    if (trial == 0) std::copy_n(y, m, state0.data() + static_cast<std::size_t>(boundary) * m);
  };
  // Spikes: the first step at or above 0 mV after one below it. The Morris-Lecar spike peaks
  // near +20 mV and the subthreshold voltages stay below about -20 mV, so any threshold between
  // them counts the same events; 0 mV is the convention.
  constexpr double spike_mv = 0.0;
  std::vector<double> previous, spike_trial, spike_neuron, spike_time;
  const auto spikes = [&](std::size_t, int step, const double* volts) {
    if (step == 0) {
      previous.assign(volts, volts + trials * n);
      return;
    }
    for (std::size_t k = 0; k < trials * n; ++k) {
      if (volts[k] >= spike_mv && previous[k] < spike_mv) {
        spike_trial.push_back(static_cast<double>(k / n));
        spike_neuron.push_back(static_cast<double>(k % n));
        spike_time.push_back(cfg_.dt * step);
      }
      previous[k] = volts[k];
    }
  };
  evaluation ev;
  if (cfg_.integrator == evidence_integrator::bdf)
    features(theta, work_item{generation}, f, ev, keep_all);
  else
    features(theta, work_item{generation}, f, ev, keep, spikes);
  // The initial state again, as drawn (the integration overwrote it in place).
  initial_state(generation, 0);
  std::vector<double> t_out(v.size()), times(samples), logits(trials * evidence_classes),
      labels(trials), counts(trials * evidence_classes), tokens(trials * evidence_tokens);
  for (std::size_t k = 0; k < v.size(); ++k) t_out[k] = net_->output(v[k]);
  for (std::size_t s = 0; s < samples; ++s) times[s] = cfg_.token_ms * static_cast<double>(s);
  for (std::size_t b = 0; b < trials; ++b) {
    if (f.size() == trials * n) logits_of(theta, f.data() + b * n, logits.data() + 3 * b);
    labels[b] = batch_[b].label;
    for (int c = 0; c < evidence_classes; ++c) counts[3 * b + c] = batch_[b].counts[c];
    for (int k = 0; k < evidence_tokens; ++k) tokens[b * evidence_tokens + k] = batch_[b].tokens[k];
  }
  std::vector<double> stiffness(samples, std::nan(""));
  if (cfg_.integrator == evidence_integrator::bdf) {
    std::vector<double> jac(m * m);
    for (std::size_t s = 0; s < samples && std::isfinite(state0[s * m]); ++s) {
      const int tok = std::min<int>(static_cast<int>(s), evidence_tokens - 1);
      net_->set_drive(std::span<const double>(table_.data() + batch_[0].tokens[tok] * n, n));
      std::fill(jac.begin(), jac.end(), 0.0);
      net_->jacobian(times[s], state0.data() + s * m, jac.data());
      stiffness[s] = spectral_extremes(jac, m).ratio();
    }
  }
  return {{"t", {samples}, times},
          {"stiffness_ratio", {samples}, stiffness},
          {"V", {trials, samples, n}, v},
          {"T", {trials, samples, n}, t_out},
          {"features", {trials, n}, f.size() == trials * n ? f : std::vector<double>(trials * n)},
          {"logits", {trials, 3}, logits},
          {"labels", {trials}, labels},
          {"counts", {trials, 3}, counts},
          {"tokens", {trials, static_cast<std::size_t>(evidence_tokens)}, tokens},
          {"V0", {trials, n}, std::vector<double>(x_.begin(), x_.begin() + trials * n)},
          {"w0",
           {trials, n},
           std::vector<double>(x_.begin() + trials * n, x_.begin() + 2 * trials * n)},
          {"embeddings",
           {static_cast<std::size_t>(vocabulary), static_cast<std::size_t>(evidence_embedding)},
           embeddings_},
          {"spike_trial", {spike_trial.size()}, spike_trial},
          {"spike_neuron", {spike_neuron.size()}, spike_neuron},
          {"spike_time", {spike_time.size()}, spike_time}};
}

}  // namespace esbio::tasks
