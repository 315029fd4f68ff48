// BPTT through the fixed-step scheme: the exact gradient of the discrete forward map that
// network_evaluator::evaluate computes (the paper's own BP on task B, "discretize then
// optimise").
//
// Forward, steps k = 0..K-1 (K = samples x S steps), trials b, state X_k = (states, T)_k with
// T_0 = 0: X_{k+1} = step(X_k, d_{b,s(k)}, W) (models/network.hpp), d = x W_in the drive of
// the step's sample, and the readout
//   f_b = (1/R) sum_{k in window} T_{k+1,b}  (or, for traces, T at every sample's end),
//   y = W_out f + b_out,  L = loss(y).
// Backward: with g = dL/dy (network_evaluator::loss_gradient), dL/dW_out and dL/db_out by the
// readout, lambda_K = 0, and for k = K-1..0:
//   lambda_T(k+1) += W_out^T g / R  if k is in the window (traces: at the sample's last step)
//   lambda_k = step^T(X_k, X_{k+1}) lambda_{k+1}, accumulating dL/dW and dL/dd,
//   dL/dW_in[c][i] = sum_(b, s) x_{b,s}[c] sum_{k in s} dL/dd_{b,k,i}.
//
// Memory: storing every X_k costs K x B x N x (states + 1) values (task B at paper size: 307 MB).
// Instead the forward keeps X at each sample boundary and the backward recomputes one sample's
// S + 1 states from its checkpoint before reversing them. Recomputing with the same steps() calls
// on the same inputs gives the forward's states bit for bit, so the gradient is that of the very
// function evaluate() computes. Cost: two forward passes plus one reverse pass.
#include <algorithm>
#include <cmath>
#include <type_traits>

#include "esbio/tasks/network_evaluator.hpp"
#include "network_transform.hpp"

namespace esbio::tasks {

// In float32 the states, the adjoints and each sample's dL/dW and dL/d drive are float (the
// arithmetic of a float32 autograd); the sums over samples, the readout and dL/dW_in are
// float64.
template <class real>
evaluation network_evaluator::bptt(std::span<const double> theta, const work_item& item,
                                   std::span<double> grad) {
  evaluation ev;
  prepare(theta, item);
  const std::size_t trials = batch_.trials, total = trials * n_, samples = batch_.samples;
  const std::size_t sps = steps_per_sample_, steps = sps * samples;
  const std::size_t window_end = steps - window_from_, window_start = window_end - window_steps_;
  const bool traces = per_sample_outputs();
  const std::size_t q = states_ + 1, sx = states_;  // blocks of trials x N: states, then T

  // Forward, keeping the states and T at every sample boundary.
  std::vector<real> x(x_.size()), t(total, real(0)), drive(total);
  std::transform(x_.begin(), x_.end(), x.begin(), [](double v) { return static_cast<real>(v); });
  std::vector<real> ck(q * samples * total);
  std::vector<double> f(traces ? total * samples : total, 0.0);
  const auto set_drive = [&](std::size_t s) {
    for (std::size_t b = 0; b < trials; ++b) drive_of(b, s, drive.data() + b * n_);
  };
  for (std::size_t s = 0; s < samples; ++s) {
    real* c = ck.data() + q * s * total;
    std::copy(x.begin(), x.end(), c);
    std::copy(t.begin(), t.end(), c + sx * total);
    set_drive(s);
    for (std::size_t k = s * sps; k < (s + 1) * sps; ++k) {
      net_->steps(trials, std::span<real>(x), std::span<real>(t), std::span<const real>(drive),
                  run_.dt);
      if (traces && k + 1 == (s + 1) * sps) {
        for (std::size_t b = 0; b < trials; ++b)
          for (std::size_t i = 0; i < n_; ++i)
            f[(b * samples + s) * n_ + i] = static_cast<double>(t[b * n_ + i]);
      } else if (!traces && k >= window_start && k < window_end) {
        for (std::size_t i = 0; i < total; ++i) f[i] += static_cast<double>(t[i]);
      }
    }
  }
  if (!traces)
    for (double& v : f) v /= static_cast<double>(window_steps_);
  std::vector<double> y, dl_dy, dl_df;
  outputs_of(f, y);
  score(y, ev);
  if (!ev.ok()) return ev;

  // Readout: the exact readout gradient, and dL/dT of the readout's steps.
  loss_gradient(y, dl_dy);
  readout_backward(theta, f, dl_dy, grad, dl_df);
  std::vector<real> lt_step(traces ? 0 : total);
  if (!traces)
    for (std::size_t i = 0; i < total; ++i)
      lt_step[i] = static_cast<real>(dl_df[i] / static_cast<double>(window_steps_));

  // Backward, sample by sample from the last, each sample's states recomputed from its
  // checkpoint.
  std::vector<real> xs(q * (sps + 1) * total);  // steps k = 0..S of the sample: states, T
  const auto states_at = [&](std::size_t k) {
    return std::span<real>(xs.data() + q * k * total, sx * total);
  };
  const auto t_at = [&](std::size_t k) {
    return std::span<real>(xs.data() + (q * k + sx) * total, total);
  };
  // dL/dW: float64 accumulated per sample; float32 per sample, then added.
  std::vector<double> d_w(n_ * n_, 0.0), d_drive(total * samples, 0.0);
  std::vector<real> lx(sx * total, 0), lt(total, 0), ld(total), gw(n_ * n_);
  for (std::size_t s = samples; s-- > 0;) {
    std::copy_n(ck.data() + q * s * total, q * total, xs.begin());
    set_drive(s);
    for (std::size_t k = 0; k < sps; ++k) {
      std::copy_n(xs.begin() + static_cast<std::ptrdiff_t>(q * k * total), q * total,
                  xs.begin() + static_cast<std::ptrdiff_t>(q * (k + 1) * total));
      net_->steps(trials, states_at(k + 1), t_at(k + 1), std::span<const real>(drive), run_.dt);
    }
    std::fill(ld.begin(), ld.end(), real(0));
    std::fill(gw.begin(), gw.end(), real(0));
    for (std::size_t k = sps; k-- > 0;) {
      const std::size_t step = s * sps + k;
      if (traces && k + 1 == sps) {
        for (std::size_t b = 0; b < trials; ++b)
          for (std::size_t i = 0; i < n_; ++i)
            lt[b * n_ + i] += static_cast<real>(dl_df[(b * samples + s) * n_ + i]);
      } else if (!traces && step >= window_start && step < window_end) {
        for (std::size_t i = 0; i < total; ++i) lt[i] += lt_step[i];
      }
      net_->steps_vjp(trials, std::span<const real>(states_at(k)), std::span<const real>(t_at(k)),
                      std::span<const real>(states_at(k + 1)), std::span<const real>(t_at(k + 1)),
                      run_.dt, std::span<real>(lx), std::span<real>(lt), std::span<real>(ld),
                      std::span<real>(gw));
    }
    for (std::size_t k = 0; k < n_ * n_; ++k) d_w[k] += static_cast<double>(gw[k]);
    for (std::size_t b = 0; b < trials; ++b)
      for (std::size_t i = 0; i < n_; ++i)
        d_drive[(b * samples + s) * n_ + i] = static_cast<double>(ld[b * n_ + i]);
  }
  network_backward(theta, d_drive, d_w, grad);
  return ev;
}

template evaluation network_evaluator::bptt<double>(std::span<const double>, const work_item&,
                                                    std::span<double>);
template evaluation network_evaluator::bptt<float>(std::span<const double>, const work_item&,
                                                   std::span<double>);

void network_evaluator::network_backward(std::span<const double> theta,
                                         const std::vector<double>& d_drive,
                                         const std::vector<double>& d_w,
                                         std::span<double> grad) const {
  const std::size_t trials = batch_.trials, samples = batch_.samples, n = n_;
  if (params_.block[input_w]) {
    const auto& b = layout_.blocks()[*params_.block[input_w]];
    // drive = x W_in, so dL/dW_in[c][i] = sum over (trial, sample) of x[c] dL/d drive[i]: summed
    // per distinct sample first (task B: per word), then one outer product each.
    std::vector<double> per(distinct_.size() * n, 0.0), g(batch_.channels * n, 0.0);
    for (std::size_t r = 0; r < trials * samples; ++r) {
      double* p = per.data() + sample_row_[r] * n;
      const double* dd = d_drive.data() + r * n;
      for (std::size_t i = 0; i < n; ++i) p[i] += dd[i];
    }
    for (std::size_t d = 0; d < distinct_.size(); ++d) {
      const double* p = per.data() + d * n;
      const std::size_t r = distinct_[d];
      for (std::size_t k = batch_.start[r]; k < batch_.start[r + 1]; ++k) {
        double* row = g.data() + batch_.channel[k] * n;
        const double x = batch_.value[k];
        for (std::size_t i = 0; i < n; ++i) row[i] += x * p[i];
      }
    }
    const auto it = desc_.bounds.find("input.W");
    for (std::size_t k = 0; k < g.size(); ++k)
      grad[b.offset + k] +=
          it == desc_.bounds.end() ? g[k] : g[k] * bounded_slope(theta[b.offset + k], it->second);
  }
  if (params_.block[recurrent_w]) {
    const auto& b = layout_.blocks()[*params_.block[recurrent_w]];
    const auto it = desc_.bounds.find("recurrent.W");
    std::size_t k = 0;
    for (std::size_t e = 0; e < n * n; ++e) {
      if (!desc_.mask.empty() && desc_.mask[e] == 0) continue;
      const double u = theta[b.offset + k];
      double g = d_w[e];
      if (!desc_.sign.empty()) {
        // W_eff = sign_j |w|, w = bounded(u): d/dw = sign_j sgn(w).
        const double w = it == desc_.bounds.end() ? u : bounded(u, it->second);
        g *= desc_.sign[e / n] * (w >= 0 ? 1.0 : -1.0);
      }
      if (it != desc_.bounds.end()) g *= bounded_slope(u, it->second);
      grad[b.offset + k] += g;
      ++k;
    }
  }
}

}  // namespace esbio::tasks
