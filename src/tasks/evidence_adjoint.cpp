// The continuous adjoint of task B on the BDF path, trial by trial. The input is piecewise
// constant, so each token is its own smooth segment (the forward restarts CVODE at every
// boundary, as evaluate() does by default), and the adjoint runs the segments backwards:
//
//   lambda(t_end) = 0;  for tok = 49..0:  re-solve the segment from its stored start state with
//   checkpoints, then integrate lambda' = -J^T lambda back over it with the jumps
//   lambda += dL/dV_i = dL/df_i T'(V_i) / R at each readout instant inside it, and
//   lambda(end of segment) += lambda(start of the next one);
//   dL/dW_rec += integral of (df/dW_rec)^T lambda,  dL/d drive_tok += integral of (df/dd)^T lambda.
//
// dL/df comes from the readout (readout_backward), the drive gradients map to W_inp through the
// word embeddings (drive_backward). Cost: the forward twice plus one backward solve per segment.
#include <algorithm>

#include "esbio/tasks/evidence_task.hpp"

namespace esbio::tasks {

evaluation evidence_evaluator::gradient(std::span<const double> theta, const work_item& item,
                                        std::span<double> grad) {
  const work_item centre{item.generation, 0, item.part, item.parts};
  return cfg_.integrator == evidence_integrator::fixed ? gradient_bptt(theta, centre, grad)
                                                       : gradient_adjoint(theta, centre, grad);
}

evaluation evidence_evaluator::gradient_adjoint(std::span<const double> theta,
                                                const work_item& item, std::span<double> grad) {
  const std::size_t n = cfg_.neurons, m = net_->size(), all = task_.trials_in(item.generation);
  const std::size_t trials = (item.part + 1) * all / item.parts - item.part * all / item.parts;
  const std::size_t tokens = evidence_tokens, boundaries = tokens + 1;
  std::fill(grad.begin(), grad.end(), 0.0);

  // Forward: the features, keeping every trial's state at every token boundary.
  std::vector<double> f, starts(trials * boundaries * m);
  const auto keep = [&](std::size_t b, int boundary, const double* y) {
    std::copy_n(y, m, starts.data() + (b * boundaries + static_cast<std::size_t>(boundary)) * m);
  };
  evaluation ev;
  if (!features(theta, item, f, ev, keep)) {
    if (ev.ok()) ev.status = eval_status::non_finite;
    return ev;
  }
  score(theta, f, ev);
  if (!ev.ok()) return ev;
  std::vector<double> dl_df;
  readout_backward(theta, f, grad, dl_df);

  const auto& rec = layout_.block("W_rec");
  std::vector<double> d_table(vocabulary * n, 0.0), dl_dp(n * n + n), lambda(m), dl_dy0(m);
  std::vector<double> t_out, res_out, dl_dy;
  bool readout = false;
  const double per_instant = 1 / static_cast<double>(readout_steps_);
  for (std::size_t b = 0; b < trials; ++b) {
    std::fill(lambda.begin(), lambda.end(), 0.0);
    for (std::size_t tok = tokens; tok-- > 0;) {
      const std::size_t word = batch_[b].tokens[tok];
      net_->set_drive(std::span<const double>(table_.data() + word * n, n));
      const double t0 = segment_outputs(static_cast<int>(tok), t_out, readout);
      const std::size_t k_out = t_out.size();
      res_out.resize(m * k_out);
      const std::span<const double> y0(starts.data() + (b * boundaries + tok) * m, m);
      if (!account(ev, solver_.forward(*net_, t0, y0, t_out, res_out))) return ev;
      dl_dy.assign(m * k_out, 0.0);
      if (readout)
        for (std::size_t k = 0; k < k_out; ++k)
          for (std::size_t i = 0; i < n; ++i)
            dl_dy[m * k + i] =
                dl_df[b * n + i] * net_->output_slope(res_out[m * k + i]) * per_instant;
      for (std::size_t i = 0; i < m; ++i) dl_dy[m * (k_out - 1) + i] += lambda[i];
      std::fill(dl_dp.begin(), dl_dp.end(), 0.0);
      if (!account(ev, solver_.backward(*net_, dl_dy, dl_dy0, dl_dp))) return ev;
      for (std::size_t k = 0; k < n * n; ++k) grad[rec.offset + k] += dl_dp[k];
      for (std::size_t i = 0; i < n; ++i) d_table[word * n + i] += dl_dp[n * n + i];
      lambda.swap(dl_dy0);
    }
  }
  drive_backward(d_table, grad);
  return ev;
}

}  // namespace esbio::tasks
