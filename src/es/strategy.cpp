#include "esbio/es/strategy.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "esbio/core/error.hpp"
#include "esbio/core/random.hpp"
#include "esbio/es/shaping.hpp"

namespace esbio::es {

strategy_kind parse_strategy(const std::string& name) {
  if (name == "song") return strategy_kind::song;
  if (name == "openai") return strategy_kind::openai;
  throw input_error("unknown ES strategy '" + name + "' (known: song, openai)");
}

baseline_kind parse_baseline(const std::string& name) {
  if (name == "none") return baseline_kind::none;
  if (name == "center" || name == "centre") return baseline_kind::center;
  if (name == "mean") return baseline_kind::mean;
  throw input_error("unknown ES baseline '" + name + "' (known: none, center, mean)");
}

const char* to_string(strategy_kind k) {
  return k == strategy_kind::song ? "song" : "openai";
}
const char* to_string(baseline_kind k) {
  switch (k) {
    case baseline_kind::none:
      return "none";
    case baseline_kind::center:
      return "center";
    case baseline_kind::mean:
      return "mean";
  }
  return "unknown";
}

void validate(const es_config& cfg) {
  if (!(cfg.sigma > 0) || !std::isfinite(cfg.sigma))
    throw input_error("es.sigma must be a positive number");
  if (cfg.population < 2) throw input_error("es.population must be at least 2");
  if (cfg.kind == strategy_kind::openai && cfg.population % 2 != 0)
    throw input_error("es.population must be even for the openai strategy (mirrored pairs)");
  if (cfg.population > max_population)
    throw input_error("es.population must be at most " + std::to_string(max_population));
  if (cfg.failure_penalty && !std::isfinite(*cfg.failure_penalty))
    throw input_error("es.failure_penalty must be finite");
}

double failure_loss(std::optional<double> configured, bool any_ok, double worst, double best) {
  if (!any_ok) return configured.value_or(std::numeric_limits<double>::quiet_NaN());
  if (configured && *configured > worst) return *configured;
  // One spread of the successes above the worst; when they all scored the same (a silent
  // neuron scores exactly 0), the worst's own size, or 1.
  const double spread = worst - best;
  const double margin = spread > 0 ? spread : (worst != 0 ? std::abs(worst) : 1.0);
  return worst + margin;
}

strategy::strategy(es_config cfg, param_layout layout)
    : cfg_(std::move(cfg)), layout_(std::move(layout)) {
  validate(cfg_);
  for (const auto& name : cfg_.blocks) {
    std::size_t idx = 0;
    try {
      idx = layout_.index_of(name);
    } catch (const std::out_of_range&) {
      std::string known;
      for (const auto& b : layout_.blocks()) known += (known.empty() ? "" : ", ") + b.name;
      throw input_error("es.blocks names '" + name + "', which is not a block (blocks: " + known +
                        ")");
    }
    rotation_.push_back(idx);
  }
  for (const auto& name : cfg_.exact_blocks) {
    if (std::find(cfg_.blocks.begin(), cfg_.blocks.end(), name) != cfg_.blocks.end())
      throw input_error("block '" + name + "' is in both es.blocks and es.exact_blocks");
    try {
      (void)layout_.index_of(name);
    } catch (const std::out_of_range&) {
      throw input_error("es.exact_blocks names '" + name + "', which is not a block");
    }
  }
  if (!cfg_.enabled) {
    if (cfg_.exact_blocks.empty())
      throw input_error("es.blocks = none leaves nothing to train (set es.exact_blocks)");
    return;
  }
  if (rotation_.empty())
    for (std::size_t i = 0; i < layout_.blocks().size(); ++i) {
      const auto& name = layout_.blocks()[i].name;
      if (std::find(cfg_.exact_blocks.begin(), cfg_.exact_blocks.end(), name) ==
          cfg_.exact_blocks.end())
        rotation_.push_back(i);
    }
  if (rotation_.empty()) throw input_error("es.exact_blocks leaves no block for ES to train");
  if (!cfg_.block_coordinate && rotation_.size() != layout_.blocks().size())
    throw input_error("es.blocks selects a subset: it needs es.block_coordinate = true");
}

std::size_t strategy::evaluations() const {
  if (!trains()) return 1;  // the centre alone, for the logged loss
  return cfg_.kind == strategy_kind::song ? cfg_.population : cfg_.population + 1;
}

std::size_t strategy::range_count() const {
  return cfg_.block_coordinate ? layout_.blocks().size() : 1;
}

active_range strategy::active(std::uint32_t generation) const {
  if (!cfg_.block_coordinate) return {0, layout_.size(), 0, "all"};
  const std::size_t id = rotation_[generation % rotation_.size()];
  const auto& b = layout_.blocks()[id];
  return {b.offset, b.size(), id, b.name};
}

std::pair<std::uint32_t, double> strategy::noise_of(std::size_t member) const {
  if (member == 0) return {0, 0.0};
  if (cfg_.kind == strategy_kind::song) return {static_cast<std::uint32_t>(member), 1.0};
  const auto k = static_cast<std::uint32_t>((member - 1) / 2 + 1);
  return {k, (member % 2 == 1) ? 1.0 : -1.0};
}

void strategy::noise(std::uint32_t generation, std::uint32_t id, std::span<double> out) const {
  random_stream(cfg_.seed, stream::perturbation, generation, id).fill_normal(out);
}

void strategy::member_params(std::span<const double> theta, std::uint32_t generation,
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

estimate strategy::estimate_gradient(std::span<const evaluation> evals,
                                     std::span<const double> theta,
                                     std::uint32_t generation) const {
  if (evals.size() != evaluations())
    throw std::invalid_argument("estimate_gradient: wrong number of evaluations");
  const auto r = active(generation);
  estimate est;
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

  std::vector<double> eps(r.size);
  const std::size_t s_total = cfg_.population;
  if (cfg_.kind == strategy_kind::song) {
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
    for (std::size_t m = 1; m < evals.size(); ++m) {
      const auto [id, sign] = noise_of(m);
      noise(generation, id, eps);
      const double w = sign * (loss[m] - b) / (static_cast<double>(s_total) * cfg_.sigma);
      for (std::size_t k = 0; k < r.size; ++k) est.grad[k] += w * eps[k];
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
    for (std::size_t k = 0; k < s_total / 2; ++k) {
      noise(generation, static_cast<std::uint32_t>(k + 1), eps);
      const double w = (u[2 * k] - u[2 * k + 1]) / (static_cast<double>(s_total) * cfg_.sigma);
      for (std::size_t j = 0; j < r.size; ++j) est.grad[j] += w * eps[j];
    }
    if (cfg_.weight_decay != 0.0)
      for (std::size_t j = 0; j < r.size; ++j)
        est.grad[j] += cfg_.weight_decay * theta[r.offset + j];
  }
  return est;
}

}  // namespace esbio::es
