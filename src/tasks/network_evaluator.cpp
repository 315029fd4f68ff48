// The forward evaluation of a network on a batch (network_evaluator.hpp): binding theta,
// initial states, the two integrators, the readout, the losses and their gradients with respect
// to the outputs, and the readout's exact gradient. BPTT is in network_bptt.cpp, the adjoint in
// network_adjoint.cpp, the traces in network_traces.cpp.
#include "esbio/tasks/network_evaluator.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <type_traits>
#include <unordered_map>

#include "esbio/core/error.hpp"
#include "esbio/core/random.hpp"
#include "network_transform.hpp"

namespace esbio::tasks {

const char* to_string(loss_kind k) {
  switch (k) {
    case loss_kind::cross_entropy:
      return "cross_entropy";
    case loss_kind::error_rate:
      return "error_rate";
    case loss_kind::mse:
      return "mse";
    case loss_kind::poisson:
      return "poisson";
    case loss_kind::count_mse:
      return "count_mse";
  }
  return "?";
}

bool has_gradient(loss_kind k) {
  return k != loss_kind::error_rate;
}

namespace {

std::size_t steps_in(double ms, double dt) {
  return static_cast<std::size_t>(std::llround(ms / dt));
}

}  // namespace

network_evaluator::network_evaluator(const models::network_description& d, const network_run& run,
                                     const param_layout& layout, const network_params& params,
                                     trial_source& source)
    : desc_(d),
      run_(run),
      layout_(layout),
      params_(params),
      source_(source),
      net_(
          models::make_network(d, {.float32_weights = run.precision == network_precision::float32 &&
                                                      run.integrator == network_integrator::bdf})),
      solver_(run.solver),
      n_(d.neurons()),
      states_(net_->neuron_states()) {
  steps_per_sample_ = steps_in(run.sample_ms, run.dt);
  window_steps_ = steps_in(d.window_from_end_ms - d.window_to_end_ms, run.dt);
  window_from_ = steps_in(d.window_to_end_ms, run.dt);  // steps between the window and the end
}

void network_evaluator::initial_state(std::uint32_t generation, std::uint32_t member) {
  const std::size_t total = source_.batch_size(generation) * n_;
  const random_stream rs(run_.seed, stream::trial_state, generation,
                         run_.common_noise ? 0 : member);
  std::vector<double> v(total);
  rs.fill_normal(v);
  x_.resize(states_ * total);
  std::vector<double> one(states_);
  for (std::size_t k = 0; k < total; ++k) {
    const std::size_t i = k % n_;
    const auto& pop = desc_.populations[desc_.locate(i).first];
    net_->initial_state(i, pop.v0_mean + pop.v0_sd * v[k], one);
    for (std::size_t s = 0; s < states_; ++s) x_[s * total + k] = one[s];
  }
}

void network_evaluator::bind(std::span<const double> theta) {
  const auto block = [&](network_array a) -> std::optional<std::span<const double>> {
    if (!params_.block[a]) return std::nullopt;
    const auto& b = layout_.blocks()[*params_.block[a]];
    return theta.subspan(b.offset, b.size());
  };
  const auto simple = [&](network_array a) { return !desc_.bounds.count(network_array_names[a]); };
  // W: theta's block itself when nothing maps it (task B), else scattered and transformed.
  const auto rec = block(recurrent_w);
  if (rec && simple(recurrent_w) && desc_.mask.empty() && desc_.sign.empty()) {
    w_rec_ = *rec;
  } else {
    effective_recurrent(desc_, rec, w_eff_);
    w_rec_ = w_eff_;
  }
  net_->bind_recurrent(w_rec_);
  const auto other = [&](network_array a, const std::vector<double>& fixed,
                         std::vector<double>& out) {
    const auto b = block(a);
    if (!b) {
      out = fixed;
      return;
    }
    out.assign(b->begin(), b->end());
    if (const auto it = desc_.bounds.find(network_array_names[a]); it != desc_.bounds.end())
      for (double& x : out) x = bounded(x, it->second);
  };
  other(input_w, desc_.w_in, w_in_);
  other(readout_w, desc_.w_out, w_out_);
  other(readout_b, desc_.b_out, b_out_);
}

void network_evaluator::prepare(std::span<const double> theta, const work_item& item) {
  const std::size_t all = source_.batch_size(item.generation);
  if (item.parts > all || item.part >= item.parts)
    throw std::logic_error("network: part " + std::to_string(item.part) + " of " +
                           std::to_string(item.parts) + " of a batch of " + std::to_string(all));
  const std::size_t first = item.part * all / item.parts, last = (item.part + 1) * all / item.parts;
  source_.load(item.generation, first, last - first, batch_);
  normaliser_ = static_cast<double>(all);
  // The initial state is drawn for the whole batch, so a trial starts where it would in the
  // whole; each state's block keeps trials [first, last).
  initial_state(item.generation, item.member);
  if (first > 0 || last < all) {
    const std::size_t part = (last - first) * n_;
    std::vector<double> x(states_ * part);
    for (std::size_t s = 0; s < states_; ++s)
      std::copy_n(x_.data() + s * all * n_ + first * n_, part, x.data() + s * part);
    x_.swap(x);
  }
  bind(theta);
  distinct_samples();
  form_drives();
}

template <class real>
void network_evaluator::drive_of(std::size_t b, std::size_t s, real* out) const {
  const double* d = drives_.data() + sample_row_[b * batch_.samples + s] * n_;
  std::transform(d, d + n_, out, [](double v) { return static_cast<real>(v); });
}

void network_evaluator::distinct_samples() {
  // Inputs repeat (task B's 2500 token samples a batch are 5 words; silence in spike data), so
  // each distinct sample's drive x W_in is formed once an evaluation.
  const std::size_t rows = batch_.trials * batch_.samples;
  sample_row_.resize(rows);
  distinct_.clear();
  std::unordered_map<std::uint64_t, std::vector<std::size_t>> seen;
  for (std::size_t r = 0; r < rows; ++r) {
    const std::size_t a = batch_.start[r], e = batch_.start[r + 1];
    std::uint64_t h = 1469598103934665603ull;
    for (std::size_t k = a; k < e; ++k) {
      std::uint64_t v;
      std::memcpy(&v, &batch_.value[k], 8);
      h = (h ^ batch_.channel[k]) * 1099511628211ull;
      h = (h ^ v) * 1099511628211ull;
    }
    auto& ids = seen[h];
    std::size_t id = distinct_.size();
    for (const std::size_t c : ids) {
      const std::size_t ca = batch_.start[distinct_[c]], ce = batch_.start[distinct_[c] + 1];
      if (ce - ca == e - a &&
          std::equal(batch_.channel.begin() + static_cast<std::ptrdiff_t>(a),
                     batch_.channel.begin() + static_cast<std::ptrdiff_t>(e),
                     batch_.channel.begin() + static_cast<std::ptrdiff_t>(ca)) &&
          std::equal(batch_.value.begin() + static_cast<std::ptrdiff_t>(a),
                     batch_.value.begin() + static_cast<std::ptrdiff_t>(e),
                     batch_.value.begin() + static_cast<std::ptrdiff_t>(ca))) {
        id = c;
        break;
      }
    }
    if (id == distinct_.size()) {
      distinct_.push_back(r);
      ids.push_back(id);
    }
    sample_row_[r] = id;
  }
}

void network_evaluator::form_drives() {
  // Summed over the channels in order, zeros skipped: the same sums as a table of each token's
  // drive (task B's words), so one-hot and sparse inputs cost what they hold.
  drives_.assign(distinct_.size() * n_, 0.0);
  for (std::size_t d = 0; d < distinct_.size(); ++d) {
    double* out = drives_.data() + d * n_;
    const std::size_t r = distinct_[d];
    for (std::size_t k = batch_.start[r]; k < batch_.start[r + 1]; ++k) {
      const double xc = batch_.value[k];
      const double* row = w_in_.data() + batch_.channel[k] * n_;
      for (std::size_t i = 0; i < n_; ++i) out[i] += xc * row[i];
    }
  }
}

template void network_evaluator::drive_of<double>(std::size_t, std::size_t, double*) const;
template void network_evaluator::drive_of<float>(std::size_t, std::size_t, float*) const;

template <class real>
bool network_evaluator::run_fixed(std::vector<double>& f, const recorder& rec,
                                  const recorder& each_step) {
  const std::size_t trials = batch_.trials, total = trials * n_;
  const std::size_t steps = steps_per_sample_ * batch_.samples;
  const std::size_t window_end = steps - window_from_, window_start = window_end - window_steps_;
  std::vector<real> x(x_.size()), t(total, real(0)), drive(total);  // T = 0 before the first step
  std::transform(x_.begin(), x_.end(), x.begin(), [](double v) { return static_cast<real>(v); });
  const bool traces = per_sample_outputs(), rate = desc_.readout == models::readout_variable::rate;
  f.assign(traces ? total * batch_.samples : total, 0.0);
  std::vector<double> volts;  // the recorders' float64 copy of a float32 state
  const auto record_to = [&](const recorder& to, std::size_t index) {
    if constexpr (std::is_same_v<real, double>) {
      to(all_trials, index, x.data());
    } else {
      volts.assign(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(total));
      to(all_trials, index, volts.data());
    }
  };
  if (rec) record_to(rec, 0);
  if (each_step) record_to(each_step, 0);
  std::vector<real> v_before(rate ? total : 0);
  const real vt = static_cast<real>(desc_.vt);
  for (std::size_t k = 0; k < steps; ++k) {
    if (rec && k > 0 && k % steps_per_sample_ == 0) record_to(rec, k / steps_per_sample_);
    if (k % steps_per_sample_ == 0)
      for (std::size_t b = 0; b < trials; ++b)
        drive_of(b, k / steps_per_sample_, drive.data() + b * n_);
    if (rate) std::copy_n(x.begin(), total, v_before.begin());
    net_->steps(trials, std::span<real>(x), std::span<real>(t), std::span<const real>(drive),
                run_.dt);
    if (each_step) record_to(each_step, k + 1);
    if (traces && (k + 1) % steps_per_sample_ == 0) {
      const std::size_t s = (k + 1) / steps_per_sample_ - 1;
      for (std::size_t b = 0; b < trials; ++b)
        for (std::size_t i = 0; i < n_; ++i)
          f[(b * batch_.samples + s) * n_ + i] = static_cast<double>(t[b * n_ + i]);
    } else if (!traces && k >= window_start && k < window_end) {
      if (rate) {
        for (std::size_t j = 0; j < total; ++j)
          f[j] += (v_before[j] < vt && x[j] >= vt) ? 1.0 : 0.0;
      } else {
        for (std::size_t j = 0; j < total; ++j) f[j] += static_cast<double>(t[j]);
      }
    }
  }
  if (rec) record_to(rec, batch_.samples);
  bool finite = true;
  const double scale = rate ? 1 / (run_.dt * static_cast<double>(window_steps_))
                            : 1 / static_cast<double>(window_steps_);
  for (double& v : f) {
    if (!traces) v = rate ? v * scale : v / static_cast<double>(window_steps_);
    finite = finite && std::isfinite(v);
  }
  return finite;
}

double network_evaluator::segment_outputs(std::size_t s, std::vector<double>& t_out,
                                          bool& window) const {
  // Every instant is dt times a step index, so a readout instant on a sample boundary is the same
  // double as the boundary (one computed by subtraction from the end once gave
  // 28.800000000000001 against 28.799999999999997, and CVODE refuses to step 4e-15).
  const std::size_t first = steps_per_sample_ * s, last = first + steps_per_sample_;
  const std::size_t steps = steps_per_sample_ * batch_.samples;
  const std::size_t window_end = steps - window_from_,
                    window_first = window_end - window_steps_ + 1;
  t_out.clear();
  if (!per_sample_outputs())
    for (std::size_t k = std::max(first + 1, window_first); k <= std::min(last, window_end); ++k)
      t_out.push_back(run_.dt * static_cast<double>(k));
  window = !t_out.empty();
  if (t_out.empty() || t_out.back() != run_.dt * static_cast<double>(last))
    t_out.push_back(run_.dt * static_cast<double>(last));
  return run_.dt * static_cast<double>(first);
}

bool network_evaluator::run_bdf(std::vector<double>& f, evaluation& ev, const recorder& rec) {
  const std::size_t trials = batch_.trials, total = trials * n_, m = net_->size();
  const bool traces = per_sample_outputs(), rate = desc_.readout == models::readout_variable::rate;
  f.assign(traces ? total * batch_.samples : total, 0.0);
  std::vector<double> y(m), t_out, res_out, drive(n_);
  bool window = false;
  solver_.begin_budget();
  const std::size_t window_end_step = steps_per_sample_ * batch_.samples - window_from_;
  for (std::size_t b = 0; b < trials; ++b) {
    for (std::size_t s = 0; s < states_; ++s)
      std::copy_n(x_.data() + s * total + b * n_, n_, y.data() + s * n_);
    std::fill(y.begin() + static_cast<std::ptrdiff_t>(states_ * n_), y.end(), 0.0);  // synapses
    if (rec) rec(b, 0, y.data());
    std::vector<double> v_prev;
    for (std::size_t s = 0; s < batch_.samples; ++s) {
      drive_of(b, s, drive.data());
      net_->set_drive(drive);
      const double t0 = segment_outputs(s, t_out, window);
      res_out.resize(m * t_out.size());
      if (rate && v_prev.empty() && window) {
        // The voltages at the instant before the window's first, from the last output.
        v_prev.assign(y.begin(), y.begin() + static_cast<std::ptrdiff_t>(n_));
      }
      const auto res = (s == 0 || run_.restart_at_samples)
                           ? solver_.solve(*net_, t0, y, t_out, res_out)
                           : solver_.advance(*net_, t_out, res_out);
      if (!account(ev, res)) return false;
      if (window)
        for (std::size_t k = 0; k < t_out.size(); ++k) {
          const auto step = static_cast<std::size_t>(std::llround(t_out[k] / run_.dt));
          if (step > window_end_step) continue;
          for (std::size_t i = 0; i < n_; ++i) {
            const double v = res_out[m * k + i];
            if (rate) {
              f[b * n_ + i] += (v_prev[i] < desc_.vt && v >= desc_.vt) ? 1.0 : 0.0;
              v_prev[i] = v;
            } else {
              f[b * n_ + i] += net_->output(v);
            }
          }
        }
      std::copy(res_out.end() - static_cast<std::ptrdiff_t>(m), res_out.end(), y.begin());
      if (traces)
        for (std::size_t i = 0; i < n_; ++i)
          f[(b * batch_.samples + s) * n_ + i] = net_->output(y[i]);
      if (rec) rec(b, s + 1, y.data());
    }
  }
  if (!traces) {
    const double scale = rate ? 1 / (run_.dt * static_cast<double>(window_steps_))
                              : 1 / static_cast<double>(window_steps_);
    for (double& v : f) v = rate ? v * scale : v / static_cast<double>(window_steps_);
  }
  return true;
}

bool network_evaluator::run(evaluation& ev, std::vector<double>& f, const recorder& rec,
                            const recorder& each_step) {
  if (run_.integrator == network_integrator::bdf) return run_bdf(f, ev, rec);
  return run_.precision == network_precision::float32 ? run_fixed<float>(f, rec, each_step)
                                                      : run_fixed<double>(f, rec, each_step);
}

bool network_evaluator::features(std::span<const double> theta, const work_item& item,
                                 std::vector<double>& out) {
  prepare(theta, item);
  evaluation ev;
  return run(ev, out, {}, {});
}

void network_evaluator::outputs_of(const std::vector<double>& f, std::vector<double>& y) const {
  const std::size_t o = desc_.outputs;
  const std::size_t rows = per_sample_outputs() ? batch_.trials * batch_.samples : batch_.trials;
  y.resize(rows * o);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < o; ++c) {
      double s = b_out_[c];
      const double* w = w_out_.data() + c * n_;
      const double* fr = f.data() + r * n_;
      for (std::size_t i = 0; i < n_; ++i) s += w[i] * fr[i];
      y[r * o + c] = s;
    }
}

void network_evaluator::score(const std::vector<double>& y, evaluation& ev) const {
  const std::size_t o = desc_.outputs;
  double loss = 0;
  std::size_t correct = 0;
  switch (run_.loss) {
    case loss_kind::cross_entropy:
    case loss_kind::error_rate:
      for (std::size_t b = 0; b < batch_.trials; ++b) {
        const double* logits = y.data() + b * o;
        const double top = *std::max_element(logits, logits + o);
        double z = 0;
        for (std::size_t c = 0; c < o; ++c) z += std::exp(logits[c] - top);
        loss += top + std::log(z) - logits[batch_.labels[b]];
        const auto pred = std::max_element(logits, logits + o) - logits;
        correct += pred == batch_.labels[b] ? 1 : 0;
      }
      if (run_.loss == loss_kind::error_rate) loss = static_cast<double>(batch_.trials - correct);
      ev.accuracy = static_cast<double>(correct) / normaliser_;
      break;
    case loss_kind::mse:
      // Each trial's mean over its scored steps and the outputs, then the mean over trials.
      for (std::size_t b = 0; b < batch_.trials; ++b) {
        double e = 0, scored = 0;
        for (std::size_t s = 0; s < batch_.samples; ++s) {
          const std::size_t r = b * batch_.samples + s;
          if (batch_.mask[r] == 0) continue;
          scored += batch_.mask[r];
          for (std::size_t c = 0; c < o; ++c) {
            const double d = y[r * o + c] - batch_.targets[r * o + c];
            e += batch_.mask[r] * d * d;
          }
        }
        if (scored > 0) loss += e / (scored * static_cast<double>(o));
      }
      ev.accuracy = std::numeric_limits<double>::quiet_NaN();
      break;
    case loss_kind::poisson:
    case loss_kind::count_mse:
      for (std::size_t k = 0; k < batch_.trials * o; ++k) {
        const double c = batch_.counts[k];
        if (run_.loss == loss_kind::poisson) {
          const double lambda = softplus(y[k]);
          loss += lambda - c * std::log(lambda);
        } else {
          loss += (y[k] - c) * (y[k] - c);
        }
      }
      loss /= static_cast<double>(o);
      ev.accuracy = std::numeric_limits<double>::quiet_NaN();
      break;
  }
  ev.loss = loss / normaliser_;
  if (!std::isfinite(ev.loss)) ev.status = eval_status::non_finite;
}

void network_evaluator::loss_gradient(const std::vector<double>& y,
                                      std::vector<double>& dl_dy) const {
  const std::size_t o = desc_.outputs;
  dl_dy.assign(y.size(), 0.0);
  const double inv = 1 / normaliser_;
  switch (run_.loss) {
    case loss_kind::cross_entropy:
      for (std::size_t b = 0; b < batch_.trials; ++b) {
        double p[64];
        std::vector<double> big;
        double* q = o <= 64 ? p : (big.resize(o), big.data());
        const double* logits = y.data() + b * o;
        const double top = *std::max_element(logits, logits + o);
        double z = 0;
        for (std::size_t c = 0; c < o; ++c) z += (q[c] = std::exp(logits[c] - top));
        for (std::size_t c = 0; c < o; ++c)
          dl_dy[b * o + c] =
              (q[c] / z - (batch_.labels[b] == static_cast<int>(c) ? 1.0 : 0.0)) * inv;
      }
      break;
    case loss_kind::mse:
      for (std::size_t b = 0; b < batch_.trials; ++b) {
        double scored = 0;
        for (std::size_t s = 0; s < batch_.samples; ++s)
          scored += batch_.mask[b * batch_.samples + s];
        if (scored == 0) continue;
        for (std::size_t s = 0; s < batch_.samples; ++s) {
          const std::size_t r = b * batch_.samples + s;
          for (std::size_t c = 0; c < o; ++c)
            dl_dy[r * o + c] = 2 * batch_.mask[r] * (y[r * o + c] - batch_.targets[r * o + c]) *
                               inv / (scored * static_cast<double>(o));
        }
      }
      break;
    case loss_kind::poisson:
      for (std::size_t k = 0; k < y.size(); ++k) {
        const double lambda = softplus(y[k]);
        dl_dy[k] = (1 - batch_.counts[k] / lambda) * logistic(y[k]) * inv / static_cast<double>(o);
      }
      break;
    case loss_kind::count_mse:
      for (std::size_t k = 0; k < y.size(); ++k)
        dl_dy[k] = 2 * (y[k] - batch_.counts[k]) * inv / static_cast<double>(o);
      break;
    case loss_kind::error_rate:
      throw input_error("the loss error_rate has no gradient (it counts errors): train it by ES");
  }
}

void network_evaluator::readout_backward(std::span<const double> theta,
                                         const std::vector<double>& f,
                                         const std::vector<double>& dl_dy, std::span<double> grad,
                                         std::vector<double>& dl_df) const {
  const std::size_t o = desc_.outputs;
  const std::size_t rows = dl_dy.size() / o;
  dl_df.assign(rows * n_, 0.0);
  std::vector<double> gw(params_.block[readout_w] ? o * n_ : 0),
      gb(params_.block[readout_b] ? o : 0);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < o; ++c) {
      const double d = dl_dy[r * o + c];
      if (!gb.empty()) gb[c] += d;
      const double* w_row = w_out_.data() + c * n_;
      for (std::size_t i = 0; i < n_; ++i) {
        if (!gw.empty()) gw[c * n_ + i] += d * f[r * n_ + i];
        dl_df[r * n_ + i] += d * w_row[i];
      }
    }
  const auto add = [&](network_array a, const std::vector<double>& g) {
    if (!params_.block[a]) return;
    const auto& b = layout_.blocks()[*params_.block[a]];
    const auto it = desc_.bounds.find(network_array_names[a]);
    for (std::size_t k = 0; k < g.size(); ++k)
      grad[b.offset + k] +=
          it == desc_.bounds.end() ? g[k] : g[k] * bounded_slope(theta[b.offset + k], it->second);
  };
  add(readout_w, gw);
  add(readout_b, gb);
}

bool network_evaluator::exact_readout_gradient(std::span<const double> theta, const work_item& item,
                                               std::span<double> grad) {
  std::vector<double> f, y, dl_dy, dl_df;
  evaluation ev;
  prepare(theta, work_item{item.generation, 0, item.part, item.parts});
  if (!run(ev, f, {}, {})) return false;
  for (const auto a : {readout_w, readout_b})
    if (params_.block[a]) {
      const auto& b = layout_.blocks()[*params_.block[a]];
      std::fill(grad.begin() + static_cast<std::ptrdiff_t>(b.offset),
                grad.begin() + static_cast<std::ptrdiff_t>(b.offset + b.size()), 0.0);
    }
  outputs_of(f, y);
  loss_gradient(y, dl_dy);
  readout_backward(theta, f, dl_dy, grad, dl_df);
  return true;
}

evaluation network_evaluator::evaluate(std::span<const double> theta, const work_item& item) {
  evaluation ev;
  std::vector<double> f, y;
  prepare(theta, item);
  if (run(ev, f, {}, {})) {
    outputs_of(f, y);
    score(y, ev);
  } else if (ev.ok()) {
    ev.status = eval_status::non_finite;
  }
  return ev;
}

evaluation network_evaluator::gradient(std::span<const double> theta, const work_item& item,
                                       std::span<double> grad) {
  const work_item centre{item.generation, 0, item.part, item.parts};
  std::fill(grad.begin(), grad.end(), 0.0);
  if (run_.integrator == network_integrator::bdf) return adjoint(theta, centre, grad);
  return run_.precision == network_precision::float32 ? bptt<float>(theta, centre, grad)
                                                      : bptt<double>(theta, centre, grad);
}

}  // namespace esbio::tasks
