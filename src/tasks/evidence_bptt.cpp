// BPTT for task B through the paper's fixed-step scheme: the exact gradient of the discrete
// forward map that evaluate() computes (the paper's own BP, "discretize then optimise").
//
// Forward, steps k = 0..K-1 (K = 50 tokens x S steps), trials b, state X_k = (V, w, T)_k with
// T_0 = 0:  X_{k+1} = step(X_k, d_{b,tok(k)}, W_rec)  (models/network.hpp), with the
// drive d = x_word W_inp of the token's word, and
//   f_b = (1/R) sum_{k >= K-R} T_{k+1,b},   logits_b = W_ro f_b + b_ro,
//   L = (1/B) sum_b CE(logits_b, label_b).
// Backward: with p_b = softmax(logits_b) - onehot(label_b),
//   dL/dW_ro = (1/B) sum_b p_b f_b^T,   dL/db_ro = (1/B) sum_b p_b,
//   lambda_{K} = (0, 0, 0);  for k = K-1..0:
//     lambda_T(k+1) += W_ro^T p_b / (B R)   if k >= K-R   (the readout reads T_{k+1})
//     lambda_k = step^T(X_k, X_{k+1}) lambda_{k+1},  accumulating dL/dW_rec and dL/dd,
//   dL/dW_inp[e][i] = sum_word x_word[e] sum_{(b, tok): word} sum_{k in tok} dL/dd_{b,k,i}.
//
// Memory: storing every X_k costs K x B x N x 3 doubles (2000 x 50 x 128 x 24 B = 307 MB at
// paper size). Instead the forward keeps X at each token boundary (50 checkpoints, 7.7 MB) and
// the backward recomputes one token's S + 1 states from its checkpoint (41 states, 6.3 MB) before
// reversing them. Recomputing with the same semi_implicit_steps() calls on the same inputs gives
// the forward's states bit for bit, so the gradient is that of the very function evaluate()
// computes. Cost: two forward passes plus one reverse pass.
#include <algorithm>
#include <cmath>
#include <type_traits>

#include "esbio/tasks/evidence_task.hpp"

namespace esbio::tasks {

evaluation evidence_evaluator::gradient_bptt(std::span<const double> theta, const work_item& item,
                                             std::span<double> grad) {
  return cfg_.precision == evidence_precision::float32
             ? gradient_bptt_as<float>(theta, item, grad)
             : gradient_bptt_as<double>(theta, item, grad);
}

// In float32 the states, the adjoints and each token's dL/dW_rec and dL/d drive are float (the
// arithmetic of a float32 autograd); the sums over tokens, the readout and dL/dW_inp are float64.
template <class real>
evaluation evidence_evaluator::gradient_bptt_as(std::span<const double> theta,
                                                const work_item& item, std::span<double> grad) {
  std::fill(grad.begin(), grad.end(), 0.0);
  evaluation ev;
  prepare(theta, item);  // the item's trials
  const std::size_t n = cfg_.neurons, trials = batch_.size(), total = trials * n;
  const std::size_t tokens = evidence_tokens, s_tok = token_steps_, steps = s_tok * tokens;
  const std::size_t readout_from = steps - readout_steps_;
  auto st = state_as<real>();
  // Blocks of trials x N: the model's states, then T (states + 1 = q blocks).
  const std::size_t q = net_->neuron_states() + 1, sx = q - 1;

  // Forward, as features_fixed(), keeping the states and T at every token boundary.
  std::vector<real> ck(q * tokens * total);
  std::vector<double> f(total, 0.0);
  const auto set_drive = [&](std::size_t tok) {
    for (std::size_t b = 0; b < trials; ++b) {
      const double* row = table_.data() + batch_[b].tokens[tok] * n;
      std::transform(row, row + n, st.drive.begin() + static_cast<std::ptrdiff_t>(b * n),
                     [](double x) { return static_cast<real>(x); });
    }
  };
  st.t.assign(total, real(0));
  st.drive.resize(total);
  for (std::size_t tok = 0; tok < tokens; ++tok) {
    real* c = ck.data() + q * tok * total;
    std::copy(st.x.begin(), st.x.end(), c);
    std::copy(st.t.begin(), st.t.end(), c + sx * total);
    set_drive(tok);
    for (std::size_t k = tok * s_tok; k < (tok + 1) * s_tok; ++k) {
      net_->steps(trials, std::span<real>(st.x), std::span<real>(st.t),
                  std::span<const real>(st.drive), cfg_.dt);
      if (k >= readout_from)
        for (std::size_t i = 0; i < total; ++i) f[i] += static_cast<double>(st.t[i]);
    }
  }
  for (double& x : f) x /= static_cast<double>(readout_steps_);
  score(theta, f, ev);
  if (!ev.ok()) return ev;

  // Readout: the exact readout gradient, and dL/dT of each readout step.
  std::vector<double> lt_readout;
  readout_backward(theta, f, grad, lt_readout);
  std::vector<real> lt_step(total);
  for (std::size_t i = 0; i < total; ++i)
    lt_step[i] = static_cast<real>(lt_readout[i] / static_cast<double>(readout_steps_));

  // Backward, token by token from the last, each token's states recomputed from its checkpoint.
  const auto& rec = layout_.block("W_rec");
  const auto grad_rec = grad.subspan(rec.offset, rec.size());
  std::vector<real> xs(q * (s_tok + 1) * total);  // steps k = 0..S of the token: states, T
  const auto states_at = [&](std::size_t k) {
    return std::span<real>(xs.data() + q * k * total, sx * total);
  };
  const auto t_at = [&](std::size_t k) {
    return std::span<real>(xs.data() + (q * k + sx) * total, total);
  };
  // dL/dW_rec: float64 straight into grad; float32 per token, then added to grad.
  constexpr bool f32 = std::is_same_v<real, float>;
  std::vector<real> lx(sx * total, 0), lt(total, 0), ld(total), gw(f32 ? n * n : 0);
  const auto gw_step = [&] {
    if constexpr (f32)
      return std::span<real>(gw);
    else
      return grad_rec;
  }();
  std::vector<double> d_table(vocabulary * n, 0.0);
  for (std::size_t tok = tokens; tok-- > 0;) {
    std::copy_n(ck.data() + q * tok * total, q * total, xs.begin());
    set_drive(tok);
    for (std::size_t k = 0; k < s_tok; ++k) {
      std::copy_n(xs.begin() + static_cast<std::ptrdiff_t>(q * k * total), q * total,
                  xs.begin() + static_cast<std::ptrdiff_t>(q * (k + 1) * total));
      net_->steps(trials, states_at(k + 1), t_at(k + 1), std::span<const real>(st.drive), cfg_.dt);
    }
    std::fill(ld.begin(), ld.end(), real(0));
    if constexpr (f32) std::fill(gw.begin(), gw.end(), real(0));
    for (std::size_t k = s_tok; k-- > 0;) {
      if (tok * s_tok + k >= readout_from)
        for (std::size_t i = 0; i < total; ++i) lt[i] += lt_step[i];
      net_->steps_vjp(trials, std::span<const real>(states_at(k)), std::span<const real>(t_at(k)),
                      std::span<const real>(states_at(k + 1)), std::span<const real>(t_at(k + 1)),
                      cfg_.dt, std::span<real>(lx), std::span<real>(lt), std::span<real>(ld),
                      gw_step);
    }
    if constexpr (f32)
      for (std::size_t k = 0; k < n * n; ++k) grad_rec[k] += static_cast<double>(gw[k]);
    for (std::size_t b = 0; b < trials; ++b) {
      double* row = d_table.data() + batch_[b].tokens[tok] * n;
      for (std::size_t i = 0; i < n; ++i) row[i] += static_cast<double>(ld[b * n + i]);
    }
  }

  // drive of a word = x_word W_inp, so dL/dW_inp[e][i] = sum_word x_word[e] dL/d drive_word[i].
  drive_backward(d_table, grad);
  return ev;
}

}  // namespace esbio::tasks
