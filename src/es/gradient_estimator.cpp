#include "esbio/es/gradient_estimator.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "esbio/core/error.hpp"
#include "esbio/es/noise.hpp"
#include "esbio/es/shaping.hpp"

namespace esbio::es {

gradient_estimator::gradient_estimator(es_config cfg, param_layout layout)
    : cfg_(resolved(std::move(cfg))), layout_(std::move(layout)), song_(cfg_.strategy == "song") {
  if (!song_ && cfg_.strategy != "openai")
    throw std::invalid_argument("gradient_estimator: es.strategy is song or openai");
  validate(cfg_);
  bind_table(cfg_.noise, cfg_.seed, layout_.size());
  rotation_ = trained_blocks(cfg_, layout_);
  if (cfg_.enabled && !*cfg_.block_coordinate && rotation_.size() != layout_.blocks().size())
    throw input_error("es.blocks selects a subset: it needs es.block_coordinate = true");
}

std::size_t gradient_estimator::evaluations() const {
  if (!trains()) return 1;  // the centre alone, for the logged loss
  return song_ ? cfg_.population : cfg_.population + 1;
}

std::size_t gradient_estimator::range_count() const {
  return *cfg_.block_coordinate ? layout_.blocks().size() : 1;
}

active_range gradient_estimator::active(std::uint32_t generation) const {
  if (!*cfg_.block_coordinate) return {0, layout_.size(), 0, "all"};
  const std::size_t id = rotation_[generation % rotation_.size()];
  const auto& b = layout_.blocks()[id];
  return {b.offset, b.size(), id, b.name};
}

std::pair<std::uint32_t, double> gradient_estimator::noise_of(std::size_t member) const {
  if (member == 0) return {0, 0.0};
  if (song_) return {static_cast<std::uint32_t>(member), 1.0};
  const auto k = static_cast<std::uint32_t>((member - 1) / 2 + 1);
  return {k, (member % 2 == 1) ? 1.0 : -1.0};
}

void gradient_estimator::noise(std::uint32_t generation, std::uint32_t id,
                               std::span<double> out) const {
  noise_slice(generation, id, 0, out);
}

void gradient_estimator::noise_slice(std::uint32_t generation, std::uint32_t id, std::size_t first,
                                     std::span<double> out) const {
  const auto r = active(generation);
  if (!*cfg_.block_coordinate) {
    member_noise_slice(cfg_.seed, generation, id, layout_.blocks(), cfg_.noise, first, out);
  } else {
    const param_block& b = layout_.blocks()[r.id];
    member_noise_slice(cfg_.seed, generation, id, std::span<const param_block>(&b, 1), cfg_.noise,
                       first, out);
  }
}

void gradient_estimator::member_params(std::span<const double> theta, std::uint32_t generation,
                                       std::size_t member, std::span<double> out) const {
  std::copy(theta.begin(), theta.end(), out.begin());
  const auto [id, sign] = noise_of(member);
  if (id == 0) return;
  const auto r = active(generation);
  auto target = out.subspan(r.offset, r.size);
  std::vector<double> eps(r.size);
  noise(generation, id, eps);
  const double s = sign * cfg_.sigma;
  for (std::size_t k = 0; k < r.size; ++k) target[k] += s * eps[k];
}

estimated_gradient gradient_estimator::estimate_gradient(std::span<const evaluation> evals,
                                                         std::span<const double> theta,
                                                         std::uint32_t generation) const {
  return estimate_gradient(evals, theta, generation, 0, active(generation).size);
}

estimated_gradient gradient_estimator::estimate_gradient(std::span<const evaluation> evals,
                                                         std::span<const double> theta,
                                                         std::uint32_t generation, std::size_t lo,
                                                         std::size_t hi) const {
  if (evals.size() != evaluations())
    throw std::invalid_argument("estimate_gradient: wrong number of evaluations");
  const auto r = active(generation);
  if (lo > hi || hi > r.size) throw std::invalid_argument("estimate_gradient: slice out of range");
  estimated_gradient est;
  est.grad.assign(r.size, 0.0);
  for (const auto& e : evals) est.failures += e.ok() ? 0 : 1;

  // Failed members get a finite loss strictly above every success's (failure_loss), and for
  // ranks +inf ties them as the worst.
  double worst = -std::numeric_limits<double>::infinity();
  double best = std::numeric_limits<double>::infinity();
  for (const auto& e : evals)
    if (e.ok()) worst = std::max(worst, e.loss), best = std::min(best, e.loss);
  const bool any_ok = std::isfinite(worst);
  const double penalty = failure_loss(cfg_.failure_penalty, any_ok, worst, best);

  std::vector<double> eps(hi - lo);
  const std::size_t s_total = cfg_.population;
  if (song_) {
    if (!any_ok && !cfg_.failure_penalty) {
      est.usable = false;
      return est;
    }
    std::vector<double> loss(evals.size());
    for (std::size_t m = 0; m < evals.size(); ++m)
      loss[m] = evals[m].ok() ? evals[m].loss : penalty;
    double b = 0;
    if (cfg_.baseline == baseline_kind::center) b = loss[0];
    if (cfg_.baseline == baseline_kind::mean) {
      for (double l : loss) b += l;
      b /= static_cast<double>(loss.size());
    }
    // Fixed summation order (member 1, 2, ...) on every rank: the estimate is bit-identical.
    for (std::size_t m = 1; m < evals.size() && lo < hi; ++m) {
      const auto [id, sign] = noise_of(m);
      noise_slice(generation, id, lo, eps);
      const double w = sign * (loss[m] - b) / (static_cast<double>(s_total) * cfg_.sigma);
      for (std::size_t k = lo; k < hi; ++k) est.grad[k] += w * eps[k - lo];
    }
  } else {
    std::vector<double> loss(s_total);
    std::size_t ok_count = 0;
    for (std::size_t m = 1; m < evals.size(); ++m) {
      loss[m - 1] = evals[m].ok() ? evals[m].loss : std::numeric_limits<double>::infinity();
      ok_count += evals[m].ok() ? 1 : 0;
    }
    if (ok_count == 0) {
      est.usable = false;
      return est;
    }
    const auto u = centred_ranks(loss);
    for (std::size_t k = 0; k < s_total / 2 && lo < hi; ++k) {
      noise_slice(generation, static_cast<std::uint32_t>(k + 1), lo, eps);
      const double w = (u[2 * k] - u[2 * k + 1]) / (static_cast<double>(s_total) * cfg_.sigma);
      for (std::size_t j = lo; j < hi; ++j) est.grad[j] += w * eps[j - lo];
    }
    if (cfg_.weight_decay != 0.0)
      for (std::size_t j = lo; j < hi; ++j) est.grad[j] += cfg_.weight_decay * theta[r.offset + j];
  }
  return est;
}

}  // namespace esbio::es
