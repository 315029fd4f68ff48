#include "esbio/es/optimizer.hpp"

#include <cmath>
#include <stdexcept>

#include "esbio/core/error.hpp"

namespace esbio::es {

optimizer_kind parse_optimizer(const std::string& name) {
  if (name == "sgd") return optimizer_kind::sgd;
  if (name == "adam") return optimizer_kind::adam;
  if (name == "rmsprop") return optimizer_kind::rmsprop;
  throw input_error("unknown optimiser '" + name + "' (known: sgd, adam, rmsprop)");
}

const char* to_string(optimizer_kind k) {
  switch (k) {
    case optimizer_kind::sgd:
      return "sgd";
    case optimizer_kind::adam:
      return "adam";
    case optimizer_kind::rmsprop:
      return "rmsprop";
  }
  return "unknown";
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
  if (offset + grad.size() > theta.size() || block >= st_.steps.size())
    throw std::out_of_range("optimizer::step: range outside the parameter vector");
  const auto t = ++st_.steps[block];
  const double lr = cfg_.lr;
  double* th = theta.data() + offset;
  double* m = st_.m.data() + offset;
  double* v = st_.v.data() + offset;
  const std::size_t n = grad.size();
  if (cfg_.weight_decay != 0.0)
    for (std::size_t k = 0; k < n; ++k) th[k] -= lr * cfg_.weight_decay * th[k];
  switch (cfg_.kind) {
    case optimizer_kind::sgd:
      for (std::size_t k = 0; k < n; ++k) {
        double d = grad[k];
        if (cfg_.momentum != 0.0) d = m[k] = cfg_.momentum * m[k] + grad[k];
        th[k] -= lr * d;
      }
      break;
    case optimizer_kind::adam: {
      const double c1 = 1.0 - std::pow(cfg_.beta1, static_cast<double>(t));
      const double c2 = 1.0 - std::pow(cfg_.beta2, static_cast<double>(t));
      for (std::size_t k = 0; k < n; ++k) {
        m[k] = cfg_.beta1 * m[k] + (1.0 - cfg_.beta1) * grad[k];
        v[k] = cfg_.beta2 * v[k] + (1.0 - cfg_.beta2) * grad[k] * grad[k];
        th[k] -= lr * (m[k] / c1) / (std::sqrt(v[k] / c2) + cfg_.eps);
      }
      break;
    }
    case optimizer_kind::rmsprop:
      for (std::size_t k = 0; k < n; ++k) {
        v[k] = cfg_.alpha * v[k] + (1.0 - cfg_.alpha) * grad[k] * grad[k];
        th[k] -= lr * grad[k] / (std::sqrt(v[k]) + cfg_.eps);
      }
      break;
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
