// Policy gradients with parameter-based exploration (Sehnke et al. 2010, "Parameter-exploring
// policy gradients", Neural Networks 23), symmetric sampling, as EvoTorch runs it
// (evotorch.algorithms.PGPE): P = S/2 pairs x = mu +- eps_k, eps_k = sigma . z_k; the losses of
// all 2P samples become centred ranks u in [-1/2, 1/2] (failures tie as the worst); then
//   g_mu    = (1/P) sum_k (u+_k - u-_k)/2 eps_k                 through the optimiser,
//   g_sigma = (1/P) sum_k ((u+_k + u-_k)/2 - mean u) (eps_k^2 - sigma^2) / sigma,
//   sigma  <- sigma - eta_sigma g_sigma, each entry moved by at most sigma_max_change |sigma|,
// with eta_sigma = 0.1 and a 20 % cap by default (EvoTorch's stdev_learning_rate and
// stdev_max_change). Members 2k-1 and 2k are the pair k, as in openai. State: "sigma".
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "esbio/core/error.hpp"
#include "esbio/es/registry.hpp"
#include "esbio/es/shaping.hpp"
#include "joint.hpp"

namespace esbio::es::detail {

namespace {

struct pgpe_options {
  std::optional<double> sigma_lr;  // unset: 0.1
  double sigma_max_change = 0.2;

  static const esbio::schema<pgpe_options>& schema() {
    using o = pgpe_options;
    static const auto s =
        esbio::schema<o>()
            .field("es.sigma_lr", &o::sigma_lr, codecs::real_or("default"),
                   "step size of the sigma update (default 0.1)")
            .field("es.sigma_max_change", &o::sigma_max_change, codecs::real(real_sign::positive),
                   "largest relative change of sigma per generation");
    return s;
  }
  void validate() const {
    if (sigma_lr && !(*sigma_lr > 0)) throw input_error("es.sigma_lr must be positive");
    if (!(sigma_max_change > 0)) throw input_error("es.sigma_max_change must be positive");
  }
};

class pgpe final : public joint_search<estimating_search> {
 public:
  pgpe(const es_config& cfg, const param_layout& layout, const pgpe_options& o)
      : joint_search(cfg, layout),
        pairs_(cfg.population / 2),
        eta_sigma_(o.sigma_lr.value_or(0.1)),
        max_change_(o.sigma_max_change) {}

  search_state initial(std::span<const double>) const override {
    return search_state(sigma_state{std::vector<double>(n_, cfg_.sigma)});
  }
  void adopt(search_state& s) const override { s.adopt(sigma_state{}); }
  std::size_t evaluations(const search_state&) const override { return 2 * pairs_ + 1; }

  void ask(std::span<const double> theta, const search_state& s, std::uint32_t g, std::size_t m,
           std::span<double> out) const override {
    std::copy(theta.begin(), theta.end(), out.begin());
    if (m == 0) return;
    const auto [k, sign] = mirrored(m);
    std::vector<double> x(n_), z(n_);
    gather(theta, x);
    noise(g, k, z);
    const auto& sigma = s.get<sigma_state>().sigma;
    for (std::size_t i = 0; i < n_; ++i) x[i] += sign * sigma[i] * z[i];
    scatter(x, out);
  }

  // The mean's gradient g_mu, then sigma's, g_sigma: 2n entries.
  std::size_t estimate_size(std::uint32_t) const override { return 2 * n_; }
  void estimate(std::span<const double>, const search_state& s, std::uint32_t g,
                std::span<const evaluation> evals, std::size_t lo, std::size_t hi,
                std::span<double> out) const override {
    whole_only(lo, hi, 2 * n_);
    std::vector<double> g_mu, g_sigma;
    if (!gradients(s, g, evals, g_mu, g_sigma)) return;
    std::copy(g_mu.begin(), g_mu.end(), out.begin());
    std::copy(g_sigma.begin(), g_sigma.end(), out.begin() + static_cast<std::ptrdiff_t>(n_));
  }

  generation_summary apply(std::span<double> theta, search_state& s, optimizer& opt, std::uint32_t,
                           std::span<const evaluation> evals,
                           std::span<const double> est) const override {
    generation_summary out;
    out.block = all_blocks;
    out.failures = count_failures(evals);
    auto& sigma = s.get<sigma_state>().sigma;
    if (out.failures - (evals[0].ok() ? 0 : 1) == 2 * pairs_) {  // no sample succeeded
      out.sigma = mean_of(sigma);
      return out;
    }
    const auto g_mu = est.first(n_), g_sigma = est.subspan(n_, n_);
    double n2 = 0;
    for (double v : g_mu) n2 += v * v;
    out.grad_norm = std::sqrt(n2);
    optimiser_step(theta, opt, g_mu);
    for (std::size_t i = 0; i < n_; ++i) {
      const double cap = max_change_ * std::abs(sigma[i]);
      const double next = sigma[i] - eta_sigma_ * g_sigma[i];
      sigma[i] = std::clamp(next, sigma[i] - cap, sigma[i] + cap);
    }
    out.sigma = mean_of(sigma);
    return out;
  }

  // The smoothed loss's gradient (Gaussian smoothing, ranks as the loss): g_mu / sigma^2.
  std::optional<std::vector<double>> gradient_estimate(
      std::span<const double> theta, const search_state& s, std::uint32_t g,
      std::span<const evaluation> evals) const override {
    std::vector<double> g_mu, g_sigma;
    if (!gradients(s, g, evals, g_mu, g_sigma)) return std::nullopt;
    const auto& sigma = s.get<sigma_state>().sigma;
    for (std::size_t i = 0; i < n_; ++i) g_mu[i] /= sigma[i] * sigma[i];
    return embed(g_mu, theta.size());
  }

 private:
  bool gradients(const search_state& s, std::uint32_t g, std::span<const evaluation> evals,
                 std::vector<double>& g_mu, std::vector<double>& g_sigma) const {
    std::vector<double> loss(2 * pairs_);
    std::size_t ok = 0;
    for (std::size_t m = 1; m < evals.size(); ++m) {
      loss[m - 1] = evals[m].ok() ? evals[m].loss : std::numeric_limits<double>::infinity();
      ok += evals[m].ok() ? 1 : 0;
    }
    if (ok == 0) return false;
    const auto u = centred_ranks(loss);
    const double u_mean = mean_of(u);
    const auto& sigma = s.get<sigma_state>().sigma;
    g_mu.assign(n_, 0.0);
    g_sigma.assign(n_, 0.0);
    std::vector<double> z(n_);
    const double inv_p = 1 / static_cast<double>(pairs_);
    for (std::size_t k = 0; k < pairs_; ++k) {
      noise(g, static_cast<std::uint32_t>(k + 1), z);
      const double diff = 0.5 * (u[2 * k] - u[2 * k + 1]) * inv_p;
      const double base = (0.5 * (u[2 * k] + u[2 * k + 1]) - u_mean) * inv_p;
      for (std::size_t i = 0; i < n_; ++i) {
        const double eps = sigma[i] * z[i];
        g_mu[i] += diff * eps;
        g_sigma[i] += base * (eps * eps - sigma[i] * sigma[i]) / sigma[i];
      }
    }
    return true;
  }

  std::size_t pairs_;
  double eta_sigma_, max_change_;
};

}  // namespace
}  // namespace esbio::es::detail

namespace esbio::es {

strategy_info pgpe_strategy() {
  strategy_traits t;
  t.mirrored = true;
  return registered_strategy<detail::pgpe_options>(
      "pgpe", "PGPE (Sehnke et al. 2010) as EvoTorch runs it: symmetric pairs, sigma learned", t,
      [](const es_config& cfg, const param_layout& layout, const detail::pgpe_options& o) {
        return std::make_unique<detail::pgpe>(cfg, layout, o);
      });
}

}  // namespace esbio::es
