#include "esbio/es/optimizer.hpp"

#include <cmath>
#include <stdexcept>

#include "esbio/core/error.hpp"

namespace esbio::es {

const char* to_string(optimizer_kind k) {
  switch (k) {
    case optimizer_kind::sgd:
      return "sgd";
    case optimizer_kind::adam:
      return "adam";
    case optimizer_kind::rmsprop:
      return "rmsprop";
    case optimizer_kind::clipup:
      return "clipup";
  }
  return "unknown";
}

const schema<optimizer_config>& optimizer_config_schema() {
  using c = optimizer_config;
  using namespace codecs;
  const auto non_negative = real(real_sign::non_negative);
  static const auto s =
      schema<c>()
          .field("optim.name", &c::kind,
                 choice<optimizer_kind>({{"sgd", optimizer_kind::sgd},
                                         {"adam", optimizer_kind::adam},
                                         {"rmsprop", optimizer_kind::rmsprop},
                                         {"clipup", optimizer_kind::clipup}}),
                 "optimiser: sgd | adam | rmsprop | clipup")
          .field("optim.lr", &c::lr, real(real_sign::positive), "learning rate")
          .field("optim.momentum", &c::momentum, non_negative, "sgd momentum")
          .field("optim.beta1", &c::beta1, non_negative, "adam first-moment decay")
          .field("optim.beta2", &c::beta2, non_negative, "adam second-moment decay")
          .field("optim.alpha", &c::alpha, non_negative, "rmsprop smoothing constant")
          .field("optim.eps", &c::eps, real(real_sign::positive), "adam / rmsprop epsilon")
          .field("optim.max_speed", &c::max_speed, non_negative,
                 "clipup: largest step (0: twice optim.lr)")
          .field("optim.weight_decay", &c::weight_decay, non_negative,
                 "decoupled weight decay (AdamW-style)")
          .field("optim.clip_norm", &c::clip_norm, non_negative,
                 "method = bp: rescale the gradient to at most this norm (0: off; the paper's BP "
                 "on task B: 10)")
          .field("optim.nonfinite", &c::zero_nonfinite,
                 choice<bool>({{"skip", false}, {"zero", true}}),
                 "method = bp, a gradient with NaN or infinite entries: skip (no step) | zero "
                 "(those entries set to 0, the paper's BP)");
  return s;
}

void validate(const optimizer_config& cfg) {
  if (cfg.beta1 >= 1 || cfg.beta2 >= 1 || cfg.alpha >= 1)
    throw input_error("optim.beta1, optim.beta2 and optim.alpha must be below 1");
}

optimizer::optimizer(optimizer_config cfg, std::size_t n_params, std::size_t n_blocks) : cfg_(cfg) {
  st_.m.assign(n_params, 0.0);
  st_.v.assign(n_params, 0.0);
  st_.steps.assign(n_blocks, 0);
}

void optimizer::restore(optimizer_state st) {
  if (st.m.size() != st_.m.size() || st.v.size() != st_.v.size() ||
      st.steps.size() != st_.steps.size())
    throw consistency_error("optimiser state in the checkpoint does not match the parameters");
  st_ = std::move(st);
}

void optimizer::step(std::span<double> theta, std::span<const double> grad, std::size_t offset,
                     std::size_t block) {
  const segment one{offset, grad.size(), block};
  step(theta, grad, std::span<const segment>(&one, 1));
}

void optimizer::step(std::span<double> theta, std::span<const double> grad,
                     std::span<const segment> segments) {
  std::size_t total = 0;
  for (const auto& s : segments) {
    if (s.offset + s.size > theta.size() || s.block >= st_.steps.size())
      throw std::out_of_range("optimizer::step: range outside the parameter vector");
    total += s.size;
  }
  if (total != grad.size() || segments.empty())
    throw std::invalid_argument("optimizer::step: the segments do not cover the gradient");
  const auto t = st_.steps[segments.front().block] + 1;
  for (const auto& s : segments) st_.steps[s.block] = t;
  const double lr = cfg_.lr;
  double inv_norm = 0;
  if (cfg_.kind == optimizer_kind::clipup) {
    double n2 = 0;
    for (double g : grad) n2 += g * g;
    inv_norm = n2 > 0 ? 1 / std::sqrt(n2) : 0.0;
  }
  // ClipUp clips the velocity of the whole step, so its new norm is needed before any update.
  double v_scale = 1;
  if (cfg_.kind == optimizer_kind::clipup) {
    const double max_speed = cfg_.max_speed > 0 ? cfg_.max_speed : 2 * lr;
    double v2 = 0;
    std::size_t at = 0;
    for (const auto& s : segments)
      for (std::size_t k = 0; k < s.size; ++k, ++at) {
        const double v = cfg_.momentum * st_.m[s.offset + k] + lr * grad[at] * inv_norm;
        v2 += v * v;
      }
    const double speed = std::sqrt(v2);
    if (speed > max_speed) v_scale = max_speed / speed;
  }
  std::size_t at = 0;
  for (const auto& s : segments) {
    double* th = theta.data() + s.offset;
    double* m = st_.m.data() + s.offset;
    double* v = st_.v.data() + s.offset;
    const double* gr = grad.data() + at;
    at += s.size;
    const std::size_t n = s.size;
    if (cfg_.weight_decay != 0.0)
      for (std::size_t k = 0; k < n; ++k) th[k] -= lr * cfg_.weight_decay * th[k];
    switch (cfg_.kind) {
      case optimizer_kind::sgd:
        for (std::size_t k = 0; k < n; ++k) {
          double d = gr[k];
          if (cfg_.momentum != 0.0) d = m[k] = cfg_.momentum * m[k] + gr[k];
          th[k] -= lr * d;
        }
        break;
      case optimizer_kind::adam: {
        const double c1 = 1.0 - std::pow(cfg_.beta1, static_cast<double>(t));
        const double c2 = 1.0 - std::pow(cfg_.beta2, static_cast<double>(t));
        for (std::size_t k = 0; k < n; ++k) {
          m[k] = cfg_.beta1 * m[k] + (1.0 - cfg_.beta1) * gr[k];
          v[k] = cfg_.beta2 * v[k] + (1.0 - cfg_.beta2) * gr[k] * gr[k];
          th[k] -= lr * (m[k] / c1) / (std::sqrt(v[k] / c2) + cfg_.eps);
        }
        break;
      }
      case optimizer_kind::rmsprop:
        for (std::size_t k = 0; k < n; ++k) {
          v[k] = cfg_.alpha * v[k] + (1.0 - cfg_.alpha) * gr[k] * gr[k];
          th[k] -= lr * gr[k] / (std::sqrt(v[k]) + cfg_.eps);
        }
        break;
      case optimizer_kind::clipup:
        for (std::size_t k = 0; k < n; ++k) {
          m[k] = (cfg_.momentum * m[k] + lr * gr[k] * inv_norm) * v_scale;
          th[k] -= m[k];
        }
        break;
    }
  }
}

double clip_to_norm(std::span<double> grad, double max_norm) {
  double norm2 = 0;
  for (double g : grad) norm2 += g * g;
  const double norm = std::sqrt(norm2);
  if (max_norm > 0 && norm > max_norm) {
    const double scale = max_norm / norm;
    for (double& g : grad) g *= scale;
  }
  return norm;
}

}  // namespace esbio::es
