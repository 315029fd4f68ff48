// The continuous adjoint of a network's loss on the BDF path, trial by trial. The input is
// piecewise constant, so each sample is its own smooth segment (the forward restarts CVODE at
// every boundary by default), and the adjoint runs the segments backwards:
//
//   lambda(t_end) = 0;  for s = samples-1..0:  re-solve the segment from its stored start state
//   with checkpoints, then integrate lambda' = -J^T lambda back over it with the jumps
//   lambda_V_i += dL/df_i T'(V_i) / R at each readout instant inside it (traces: dL/dT_i T'(V_i)
//   at its end), and lambda(end of segment) += lambda(start of the next one);
//   dL/dW += integral of (df/dW)^T lambda,  dL/d drive_s += integral of (df/dd)^T lambda.
//
// dL/df comes from the readout, the drive gradients map to W_in through the inputs. Cost: the
// forward twice plus one backward solve per segment.
#include <algorithm>
#include <cmath>

#include "esbio/tasks/network_evaluator.hpp"

namespace esbio::tasks {

evaluation network_evaluator::adjoint(std::span<const double> theta, const work_item& item,
                                      std::span<double> grad) {
  evaluation ev;
  prepare(theta, item);
  const std::size_t trials = batch_.trials, samples = batch_.samples, m = net_->size();
  const std::size_t boundaries = samples + 1;
  const bool traces = per_sample_outputs();

  // Forward: the features, keeping every trial's state at every sample boundary.
  std::vector<double> f, starts(trials * boundaries * m);
  const auto keep = [&](std::size_t b, std::size_t boundary, const double* y) {
    std::copy_n(y, m, starts.data() + (b * boundaries + boundary) * m);
  };
  if (!run_bdf(f, ev, keep)) {
    if (ev.ok()) ev.status = eval_status::non_finite;
    return ev;
  }
  std::vector<double> y, dl_dy, dl_df;
  outputs_of(f, y);
  score(y, ev);
  if (!ev.ok()) return ev;
  loss_gradient(y, dl_dy);
  readout_backward(theta, f, dl_dy, grad, dl_df);

  std::vector<double> d_w(n_ * n_, 0.0), d_drive(trials * samples * n_, 0.0);
  std::vector<double> dl_dp(n_ * n_ + n_), lambda(m), dl_dy0(m), drive(n_);
  std::vector<double> t_out, res_out, dl_dstate;
  bool window = false;
  const double per_instant = 1 / static_cast<double>(window_steps_);
  const std::size_t window_end_step = steps_per_sample_ * samples - window_from_;
  for (std::size_t b = 0; b < trials; ++b) {
    std::fill(lambda.begin(), lambda.end(), 0.0);
    for (std::size_t s = samples; s-- > 0;) {
      drive_of(b, s, drive.data());
      net_->set_drive(drive);
      const double t0 = segment_outputs(s, t_out, window);
      const std::size_t k_out = t_out.size();
      res_out.resize(m * k_out);
      const std::span<const double> y0(starts.data() + (b * boundaries + s) * m, m);
      if (!account(ev, solver_.forward(*net_, t0, y0, t_out, res_out))) return ev;
      dl_dstate.assign(m * k_out, 0.0);
      if (window)
        for (std::size_t k = 0; k < k_out; ++k) {
          const auto step = static_cast<std::size_t>(std::llround(t_out[k] / run_.dt));
          if (step > window_end_step) continue;
          for (std::size_t i = 0; i < n_; ++i)
            dl_dstate[m * k + i] =
                dl_df[b * n_ + i] * net_->output_slope(res_out[m * k + i]) * per_instant;
        }
      if (traces)
        for (std::size_t i = 0; i < n_; ++i)
          dl_dstate[m * (k_out - 1) + i] +=
              dl_df[(b * samples + s) * n_ + i] * net_->output_slope(res_out[m * (k_out - 1) + i]);
      for (std::size_t i = 0; i < m; ++i) dl_dstate[m * (k_out - 1) + i] += lambda[i];
      std::fill(dl_dp.begin(), dl_dp.end(), 0.0);
      if (!account(ev, solver_.backward(*net_, dl_dstate, dl_dy0, dl_dp))) return ev;
      for (std::size_t k = 0; k < n_ * n_; ++k) d_w[k] += dl_dp[k];
      for (std::size_t i = 0; i < n_; ++i) d_drive[(b * samples + s) * n_ + i] = dl_dp[n_ * n_ + i];
      lambda.swap(dl_dy0);
    }
  }
  network_backward(theta, d_drive, d_w, grad);
  return ev;
}

}  // namespace esbio::tasks
