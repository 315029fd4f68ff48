// Guided ES (Maheswaranathan, Metz, Tucker, Choi & Sohl-Dickstein 2019, "Guided evolutionary
// strategies: augmenting random search with surrogate gradients", ICML): antithetic pairs
// x = mu +- eps_k with
//   eps_k = sigma (sqrt(alpha / n) z_k + sqrt((1 - alpha) / k') U w_k),
//   z_k ~ N(0, I_n), w_k ~ N(0, I_k'),
// U (n x k') an orthonormal basis of the last k exact gradients of the task (the surrogate; k'
// of them so far, at most es.guided_k), and the estimate
//   g = beta / (2 sigma^2 P) sum_k eps_k (L+_k - L-_k)
// stepped by the configured optimiser (alpha = 0.5, beta = 2 by default, as in the paper's
// experiments). Every rank computes the centre's gradient before the generation
// (observe_gradient), so U never crosses the network. A failed half of a pair takes
// failure_loss(). State: "G" (the recent gradients, k x n, newest last) and "U" (k' x n).
#include <algorithm>
#include <cmath>

#include "esbio/core/error.hpp"
#include "esbio/core/random.hpp"
#include "esbio/es/registry.hpp"
#include "joint.hpp"
#include "linalg.hpp"

namespace esbio::es::detail {

namespace {

struct guided_options {
  std::size_t k = 1;   // recent exact gradients spanning the subspace
  double alpha = 0.5;  // share of the noise's variance off the subspace
  double beta = 2.0;   // the estimate's scale

  static const esbio::schema<guided_options>& schema() {
    using o = guided_options;
    using namespace codecs;
    static const auto s =
        esbio::schema<o>()
            .field("es.guided_k", &o::k, count<std::size_t>(1, 1000),
                   "how many recent exact gradients span the guiding subspace")
            .field("es.guided_alpha", &o::alpha, real(real_sign::non_negative),
                   "share of the noise variance outside the subspace")
            .field("es.guided_beta", &o::beta, real(real_sign::positive), "scale of the estimate");
    return s;
  }
  void validate() const {
    if (k < 1) throw input_error("es.guided_k must be at least 1");
    if (!(alpha >= 0 && alpha <= 1)) throw input_error("es.guided_alpha must be between 0 and 1");
  }
};

// The recent exact gradients (k x n, newest last) and an orthonormal basis of their span.
struct guided_state {
  std::vector<double> G, U;
  static const std::vector<state_field<guided_state>>& fields() {
    static const std::vector<state_field<guided_state>> f{{"G", &guided_state::G},
                                                          {"U", &guided_state::U}};
    return f;
  }
};

class guided final : public joint_search<estimating_search> {
 public:
  guided(const es_config& cfg, const param_layout& layout, const guided_options& o)
      : joint_search(cfg, layout), pairs_(cfg.population / 2), o_(o) {}

  search_state initial(std::span<const double>) const override {
    return search_state(guided_state{});
  }
  void adopt(search_state& s) const override { s.adopt(guided_state{}); }
  std::size_t evaluations(const search_state&) const override { return 2 * pairs_ + 1; }

  void observe_gradient(search_state& s, std::span<const double> grad) const override {
    std::vector<double> x(n_);
    gather(grad, x);
    bool finite = true;
    for (double v : x) finite = finite && std::isfinite(v);
    auto& state = s.get<guided_state>();
    auto& history = state.G;
    if (finite) {
      history.insert(history.end(), x.begin(), x.end());
      if (history.size() > o_.k * n_)
        history.erase(history.begin(), history.begin() + static_cast<long>(n_));
    }
    auto u = history;
    orthonormal_rows(u, history.size() / n_, n_);
    state.U = u;
  }

  void ask(std::span<const double> theta, const search_state& s, std::uint32_t g, std::size_t m,
           std::span<double> out) const override {
    std::copy(theta.begin(), theta.end(), out.begin());
    if (m == 0) return;
    const auto [k, sign] = mirrored(m);
    std::vector<double> x(n_), eps(n_);
    gather(theta, x);
    perturbation(s, g, k, eps);
    for (std::size_t i = 0; i < n_; ++i) x[i] += sign * eps[i];
    scatter(x, out);
  }

  std::size_t estimate_size(std::uint32_t) const override { return n_; }
  void estimate(std::span<const double>, const search_state& s, std::uint32_t g,
                std::span<const evaluation> evals, std::size_t lo, std::size_t hi,
                std::span<double> out) const override {
    whole_only(lo, hi, n_);
    std::vector<double> grad;
    std::size_t failures = 0;
    if (estimated(s, g, evals, grad, failures)) std::copy(grad.begin(), grad.end(), out.begin());
  }

  generation_summary apply(std::span<double> theta, search_state&, optimizer& opt, std::uint32_t,
                           std::span<const evaluation> evals,
                           std::span<const double> est) const override {
    generation_summary out;
    out.block = all_blocks;
    out.sigma = cfg_.sigma;
    out.failures = count_failures(evals);
    if (!usable(evals)) return out;
    double n2 = 0;
    for (double v : est) n2 += v * v;
    out.grad_norm = std::sqrt(n2);
    optimiser_step(theta, opt, est);
    return out;
  }

  std::optional<std::vector<double>> gradient_estimate(
      std::span<const double> theta, const search_state& s, std::uint32_t g,
      std::span<const evaluation> evals) const override {
    std::vector<double> grad;
    std::size_t failures = 0;
    if (!estimated(s, g, evals, grad, failures)) return std::nullopt;
    return embed(grad, theta.size());
  }

 private:
  void perturbation(const search_state& s, std::uint32_t g, std::uint32_t k,
                    std::span<double> eps) const {
    noise(g, k, eps);
    const auto& u = s.get<guided_state>().U;
    const std::size_t kk = u.size() / n_;
    const double a = kk == 0 ? 1.0 : o_.alpha;
    const double full = cfg_.sigma * std::sqrt(a / static_cast<double>(n_));
    for (double& e : eps) e *= full;
    if (kk == 0) return;
    std::vector<double> w(kk);
    random_stream(cfg_.seed, stream::lowrank, g, k).fill_normal(w, std::uint64_t{1} << 40);
    const double sub = cfg_.sigma * std::sqrt((1 - o_.alpha) / static_cast<double>(kk));
    for (std::size_t r = 0; r < kk; ++r)
      for (std::size_t i = 0; i < n_; ++i) eps[i] += sub * u[r * n_ + i] * w[r];
  }

  // Whether the estimate means anything: some sample succeeded, or failures have a set loss.
  bool usable(std::span<const evaluation> evals) const {
    bool any = false;
    for (std::size_t m = 1; m < evals.size(); ++m) any = any || evals[m].ok();
    return any || cfg_.failure_penalty.has_value();
  }

  bool estimated(const search_state& s, std::uint32_t g, std::span<const evaluation> evals,
                 std::vector<double>& grad, std::size_t& failures) const {
    const auto loss = raw_losses(evals, failures);
    failures += evals[0].ok() ? 0 : 1;
    if (!usable(evals)) return false;
    grad.assign(n_, 0.0);
    std::vector<double> eps(n_);
    const double scale = o_.beta / (2 * cfg_.sigma * cfg_.sigma * static_cast<double>(pairs_));
    for (std::size_t k = 0; k < pairs_; ++k) {
      perturbation(s, g, static_cast<std::uint32_t>(k + 1), eps);
      const double d = (loss[2 * k] - loss[2 * k + 1]) * scale;
      for (std::size_t i = 0; i < n_; ++i) grad[i] += d * eps[i];
    }
    return true;
  }

  std::size_t pairs_;
  guided_options o_;
};

}  // namespace
}  // namespace esbio::es::detail

namespace esbio::es {

strategy_info guided_strategy() {
  strategy_traits t;
  t.mirrored = true;
  t.wants_gradient = true;
  return registered_strategy<detail::guided_options>(
      "guided",
      "Guided ES (Maheswaranathan et al. 2019): mirrored noise around the task's exact gradient", t,
      [](const es_config& cfg, const param_layout& layout, const detail::guided_options& o) {
        return std::make_unique<detail::guided>(cfg, layout, o);
      });
}

}  // namespace esbio::es
