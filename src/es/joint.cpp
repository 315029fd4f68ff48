#include "joint.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "esbio/core/hash.hpp"
#include "esbio/es/shaping.hpp"

namespace esbio::es {

search_state search::initial(std::span<const double>) const {
  return {};
}

void search::adopt(search_state&) const {}

std::optional<std::vector<double>> search::gradient_estimate(std::span<const double>,
                                                             const search_state&, std::uint32_t,
                                                             std::span<const evaluation>) const {
  return std::nullopt;
}

void search::observe_gradient(search_state&, std::span<const double>) const {}

std::uint64_t state_hash(std::span<const double> theta, const optimizer_state& opt,
                         const search_state& s) {
  auto h = fnv1a(theta);
  h = fnv1a(opt.m, h);
  h = fnv1a(opt.v, h);
  const std::vector<double> steps(opt.steps.begin(), opt.steps.end());
  h = fnv1a(steps, h);
  s.for_each(
      [&](const std::string& name, std::span<const double> v) { h = fnv1a(v, fnv1a(name, h)); });
  return h;
}

namespace detail {

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0.0 : s / static_cast<double>(v.size());
}

joint_blocks::joint_blocks(es_config cfg, param_layout layout)
    : cfg_(std::move(cfg)), layout_(std::move(layout)) {
  validate(cfg_);
  bind_table(cfg_.noise, cfg_.seed, layout_.size());
  for (const auto idx : trained_blocks(cfg_, layout_)) {
    const auto& b = layout_.blocks()[idx];
    blocks_.push_back(b);
    segments_.push_back({b.offset, b.size(), idx});
    n_ += b.size();
  }
}

void joint_blocks::gather(std::span<const double> theta, std::span<double> x) const {
  std::size_t at = 0;
  for (const auto& b : blocks_)
    for (std::size_t k = 0; k < b.size(); ++k) x[at++] = theta[b.offset + k];
}

void joint_blocks::scatter(std::span<const double> x, std::span<double> theta) const {
  std::size_t at = 0;
  for (const auto& b : blocks_)
    for (std::size_t k = 0; k < b.size(); ++k) theta[b.offset + k] = x[at++];
}

void joint_blocks::noise(std::uint32_t generation, std::uint32_t id, std::span<double> z) const {
  member_noise(cfg_.seed, generation, id, blocks_, cfg_.noise, z);
}

std::vector<std::size_t> joint_blocks::ranked(std::span<const evaluation> evals) const {
  std::vector<std::size_t> order(evals.size() - 1);
  std::iota(order.begin(), order.end(), std::size_t{1});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const bool fa = !evals[a].ok(), fb = !evals[b].ok();
    if (fa || fb) return !fa && fb;  // every success before every failure
    return evals[a].loss < evals[b].loss;
  });
  return order;
}

std::size_t joint_blocks::count_failures(std::span<const evaluation> evals) const {
  std::size_t f = 0;
  for (const auto& e : evals) f += e.ok() ? 0 : 1;
  return f;
}

std::vector<double> joint_blocks::raw_losses(std::span<const evaluation> evals,
                                             std::size_t& failures) const {
  double worst = -std::numeric_limits<double>::infinity();
  double best = std::numeric_limits<double>::infinity();
  for (std::size_t m = 1; m < evals.size(); ++m)
    if (evals[m].ok()) worst = std::max(worst, evals[m].loss), best = std::min(best, evals[m].loss);
  const bool any_ok = std::isfinite(worst);
  const double penalty = failure_loss(cfg_.failure_penalty, any_ok, worst, best);
  std::vector<double> loss(evals.size() - 1);
  failures = 0;
  for (std::size_t m = 1; m < evals.size(); ++m) {
    loss[m - 1] = evals[m].ok() ? evals[m].loss : penalty;
    failures += evals[m].ok() ? 0 : 1;
  }
  return loss;
}

void joint_blocks::optimiser_step(std::span<double> theta, optimizer& opt,
                                  std::span<const double> g) const {
  opt.step(theta, g, segments_);
}

void joint_blocks::whole_only(std::size_t lo, std::size_t hi, std::size_t size) {
  if (lo != 0 || hi != size)
    throw std::logic_error("this strategy's update does not slice: estimate the whole");
}

std::vector<double> joint_blocks::embed(std::span<const double> x, std::size_t total) const {
  std::vector<double> full(total, 0.0);
  scatter(x, full);
  return full;
}

}  // namespace detail
}  // namespace esbio::es
