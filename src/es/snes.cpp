// Separable natural evolution strategies (Schaul, Glasmachers & Schmidhuber 2011, "High
// dimensions and heavy tails for natural evolution strategies"; Wierstra et al. 2014, JMLR 15,
// algorithm 6). With n trained parameters, lambda samples x_k = mu + sigma . z_k, z_k ~ N(0, I),
// ranked by loss (best first) and given the utilities
//   u_k = max(0, ln(lambda/2 + 1) - ln k) / sum_j max(0, ln(lambda/2 + 1) - ln j) - 1/lambda,
// the natural-gradient step is
//   mu    <- mu + eta_mu sigma . sum_k u_k z_k,
//   sigma <- sigma . exp(eta_sigma / 2 sum_k u_k (z_k^2 - 1)),
// with eta_mu = 1, eta_sigma = (3 + ln n) / (5 sqrt n) and lambda = 4 + floor(3 ln n) by default.
// State: "sigma" (n entries). The mean is theta; the optimiser is not used.
#include <algorithm>
#include <cmath>
#include <optional>

#include "esbio/core/error.hpp"

#include "esbio/es/registry.hpp"
#include "joint.hpp"

namespace esbio::es::detail {

namespace {

struct snes_options {
  std::optional<double> sigma_lr;  // unset: (3 + ln n) / (5 sqrt n)
  std::optional<double> mean_lr;   // unset: 1

  static const esbio::schema<snes_options>& schema() {
    using o = snes_options;
    static const auto s =
        esbio::schema<o>()
            .field("es.sigma_lr", &o::sigma_lr, codecs::real_or("default"),
                   "step size of the sigma update (default (3 + ln n)/(5 sqrt n))")
            .field("es.mean_lr", &o::mean_lr, codecs::real_or("default"),
                   "step size of the mean update (default 1)");
    return s;
  }
  void validate() const {
    if (sigma_lr && !(*sigma_lr > 0)) throw input_error("es.sigma_lr must be positive");
    if (mean_lr && !(*mean_lr > 0)) throw input_error("es.mean_lr must be positive");
  }
};

class snes final : public joint_search<direct_search> {
 public:
  snes(const es_config& cfg, const param_layout& layout, const snes_options& o)
      : joint_search(cfg, layout) {
    const double n = static_cast<double>(n_);
    lambda_ = cfg_.population > 0 ? cfg_.population : log_population(n_);
    eta_mu_ = o.mean_lr.value_or(1.0);
    eta_sigma_ = o.sigma_lr.value_or((3 + std::log(n)) / (5 * std::sqrt(n)));
    const double top = std::log(static_cast<double>(lambda_) / 2 + 1);
    double total = 0;
    for (std::size_t k = 1; k <= lambda_; ++k)
      total += std::max(0.0, top - std::log(static_cast<double>(k)));
    for (std::size_t k = 1; k <= lambda_; ++k)
      utility_.push_back(std::max(0.0, top - std::log(static_cast<double>(k))) / total -
                         1.0 / static_cast<double>(lambda_));
  }

  search_state initial(std::span<const double>) const override {
    return search_state(sigma_state{std::vector<double>(n_, cfg_.sigma)});
  }
  void adopt(search_state& s) const override { s.adopt(sigma_state{}); }
  std::size_t evaluations(const search_state&) const override { return lambda_ + 1; }

  void ask(std::span<const double> theta, const search_state& s, std::uint32_t g, std::size_t m,
           std::span<double> out) const override {
    std::copy(theta.begin(), theta.end(), out.begin());
    if (m == 0) return;
    std::vector<double> x(n_), z(n_);
    gather(theta, x);
    noise(g, static_cast<std::uint32_t>(m), z);
    const auto& sigma = s.get<sigma_state>().sigma;
    for (std::size_t i = 0; i < n_; ++i) x[i] += sigma[i] * z[i];
    scatter(x, out);
  }

  generation_summary tell(std::span<double> theta, search_state& s, std::uint32_t g,
                          std::span<const evaluation> evals) const override {
    generation_summary out;
    out.block = all_blocks;
    out.failures = count_failures(evals);
    auto& sigma = s.get<sigma_state>().sigma;
    out.sigma = mean_of(sigma);
    if (out.failures - (evals[0].ok() ? 0 : 1) == lambda_) return out;  // no sample succeeded
    std::vector<double> grad_mu(n_, 0.0), grad_sigma(n_, 0.0), z(n_);
    const auto order = ranked(evals);
    for (std::size_t r = 0; r < lambda_; ++r) {
      const std::size_t m = order[r];
      noise(g, static_cast<std::uint32_t>(m), z);
      const double u = utility_[r];
      for (std::size_t i = 0; i < n_; ++i) {
        grad_mu[i] += u * z[i];
        grad_sigma[i] += u * (z[i] * z[i] - 1);
      }
    }
    std::vector<double> x(n_);
    gather(theta, x);
    double step2 = 0;
    for (std::size_t i = 0; i < n_; ++i) {
      const double d = eta_mu_ * sigma[i] * grad_mu[i];
      x[i] += d;
      step2 += d * d;
      sigma[i] *= std::exp(0.5 * eta_sigma_ * grad_sigma[i]);
    }
    scatter(x, theta);
    out.grad_norm = std::sqrt(step2);
    out.sigma = mean_of(sigma);
    return out;
  }

  // The search gradient of the expected loss with respect to mu: -sum_k u_k z_k / sigma.
  std::optional<std::vector<double>> gradient_estimate(
      std::span<const double> theta, const search_state& s, std::uint32_t g,
      std::span<const evaluation> evals) const override {
    std::vector<double> grad(n_, 0.0), z(n_);
    const auto order = ranked(evals);
    const auto& sigma = s.get<sigma_state>().sigma;
    for (std::size_t r = 0; r < lambda_; ++r) {
      noise(g, static_cast<std::uint32_t>(order[r]), z);
      for (std::size_t i = 0; i < n_; ++i) grad[i] -= utility_[r] * z[i] / sigma[i];
    }
    return embed(grad, theta.size());
  }

 private:
  std::size_t lambda_ = 0;
  double eta_mu_ = 1, eta_sigma_ = 0;
  std::vector<double> utility_;  // by rank, best first
};

}  // namespace
}  // namespace esbio::es::detail

namespace esbio::es {

strategy_info snes_strategy() {
  strategy_traits t;
  t.default_population = log_population;
  return registered_strategy<detail::snes_options>(
      "snes", "separable NES (Schaul et al. 2011): per-parameter sigma, rank utilities", t,
      [](const es_config& cfg, const param_layout& layout, const detail::snes_options& o) {
        return std::make_unique<detail::snes>(cfg, layout, o);
      });
}

}  // namespace esbio::es
