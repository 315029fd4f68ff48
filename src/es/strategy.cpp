#include "esbio/es/strategy.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "esbio/core/error.hpp"
#include "esbio/core/random.hpp"
#include "esbio/es/noise.hpp"
#include "esbio/es/shaping.hpp"

namespace esbio::es {

namespace {
constexpr std::pair<strategy_kind, const char*> strategy_names[] = {
    {strategy_kind::song, "song"},           {strategy_kind::openai, "openai"},
    {strategy_kind::snes, "snes"},           {strategy_kind::pgpe, "pgpe"},
    {strategy_kind::sep_cmaes, "sep_cmaes"}, {strategy_kind::cmaes, "cmaes"},
    {strategy_kind::guided, "guided"},
};
}  // namespace

strategy_kind parse_strategy(const std::string& name) {
  std::string known;
  for (const auto& [k, n] : strategy_names) {
    if (name == n) return k;
    known += (known.empty() ? "" : ", ") + std::string(n);
  }
  throw input_error("unknown ES strategy '" + name + "' (known: " + known + ")");
}

baseline_kind parse_baseline(const std::string& name) {
  if (name == "none") return baseline_kind::none;
  if (name == "center" || name == "centre") return baseline_kind::center;
  if (name == "mean") return baseline_kind::mean;
  throw input_error("unknown ES baseline '" + name + "' (known: none, center, mean)");
}

const char* to_string(strategy_kind k) {
  for (const auto& [kind, n] : strategy_names)
    if (kind == k) return n;
  return "unknown";
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
  const bool default_population = cfg.kind == strategy_kind::snes ||
                                  cfg.kind == strategy_kind::sep_cmaes ||
                                  cfg.kind == strategy_kind::cmaes;
  if (cfg.population < 2 && !(default_population && cfg.population == 0))
    throw input_error(std::string("es.population must be at least 2") +
                      (default_population ? " (or 0: the strategy's default)" : ""));
  const bool pairs = cfg.kind == strategy_kind::openai || cfg.kind == strategy_kind::pgpe ||
                     cfg.kind == strategy_kind::guided;
  if (pairs && cfg.population % 2 != 0)
    throw input_error(std::string("es.population must be even for the ") + to_string(cfg.kind) +
                      " strategy (mirrored pairs)");
  if (cfg.population > max_population)
    throw input_error("es.population must be at most " + std::to_string(max_population));
  if (cfg.failure_penalty && !std::isfinite(*cfg.failure_penalty))
    throw input_error("es.failure_penalty must be finite");
  if (cfg.noise.kind == noise_kind::lowrank && cfg.noise.rank < 1)
    throw input_error("es.rank must be at least 1");
  if (cfg.noise.kind == noise_kind::lowrank &&
      (cfg.kind == strategy_kind::sep_cmaes || cfg.kind == strategy_kind::cmaes))
    throw input_error("es.noise = lowrank: CMA-ES shapes its own noise; use es.noise = full");
  const bool joint = cfg.kind != strategy_kind::song && cfg.kind != strategy_kind::openai;
  if (joint && cfg.block_coordinate)
    throw input_error(std::string("es.strategy = ") + to_string(cfg.kind) +
                      " moves its parameters together: es.block_coordinate must be false");
  if (!(cfg.sigma_max_change > 0)) throw input_error("es.sigma_max_change must be positive");
  if (cfg.guided_k < 1) throw input_error("es.guided_k must be at least 1");
  if (!(cfg.guided_alpha >= 0 && cfg.guided_alpha <= 1))
    throw input_error("es.guided_alpha must be between 0 and 1");
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

std::vector<std::size_t> trained_blocks(const es_config& cfg, const param_layout& layout) {
  std::vector<std::size_t> out;
  for (const auto& name : cfg.blocks) {
    std::size_t idx = 0;
    try {
      idx = layout.index_of(name);
    } catch (const std::out_of_range&) {
      std::string known;
      for (const auto& b : layout.blocks()) known += (known.empty() ? "" : ", ") + b.name;
      throw input_error("es.blocks names '" + name + "', which is not a block (blocks: " + known +
                        ")");
    }
    out.push_back(idx);
  }
  for (const auto& name : cfg.exact_blocks) {
    if (std::find(cfg.blocks.begin(), cfg.blocks.end(), name) != cfg.blocks.end())
      throw input_error("block '" + name + "' is in both es.blocks and es.exact_blocks");
    try {
      (void)layout.index_of(name);
    } catch (const std::out_of_range&) {
      throw input_error("es.exact_blocks names '" + name + "', which is not a block");
    }
  }
  if (!cfg.enabled) {
    if (cfg.exact_blocks.empty())
      throw input_error("es.blocks = none leaves nothing to train (set es.exact_blocks)");
    return {};
  }
  if (out.empty())
    for (std::size_t i = 0; i < layout.blocks().size(); ++i) {
      const auto& name = layout.blocks()[i].name;
      if (std::find(cfg.exact_blocks.begin(), cfg.exact_blocks.end(), name) ==
          cfg.exact_blocks.end())
        out.push_back(i);
    }
  if (out.empty()) throw input_error("es.exact_blocks leaves no block for ES to train");
  return out;
}

strategy::strategy(es_config cfg, param_layout layout)
    : cfg_(std::move(cfg)), layout_(std::move(layout)) {
  validate(cfg_);
  bind_table(cfg_.noise, cfg_.seed, layout_.size());
  rotation_ = trained_blocks(cfg_, layout_);
  if (cfg_.enabled && !cfg_.block_coordinate && rotation_.size() != layout_.blocks().size())
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
  noise_slice(generation, id, 0, out);
}

void strategy::noise_slice(std::uint32_t generation, std::uint32_t id, std::size_t first,
                           std::span<double> out) const {
  const auto r = active(generation);
  if (!cfg_.block_coordinate) {
    member_noise_slice(cfg_.seed, generation, id, layout_.blocks(), cfg_.noise, first, out);
  } else {
    const param_block& b = layout_.blocks()[r.id];
    member_noise_slice(cfg_.seed, generation, id, std::span<const param_block>(&b, 1), cfg_.noise,
                       first, out);
  }
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
  return estimate_gradient(evals, theta, generation, 0, active(generation).size);
}

estimate strategy::estimate_gradient(std::span<const evaluation> evals,
                                     std::span<const double> theta, std::uint32_t generation,
                                     std::size_t lo, std::size_t hi) const {
  if (evals.size() != evaluations())
    throw std::invalid_argument("estimate_gradient: wrong number of evaluations");
  const auto r = active(generation);
  if (lo > hi || hi > r.size) throw std::invalid_argument("estimate_gradient: slice out of range");
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

  std::vector<double> eps(hi - lo);
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
