// CMA-ES (Hansen, "The CMA Evolution Strategy: A Tutorial", arXiv 1604.00772, with its default
// parameters and positive recombination weights) and its diagonal variant sep-CMA-ES (Ros &
// Hansen 2008, "A simple modification in CMA-ES achieving linear time and space complexity",
// PPSN X: c_1 and c_mu scaled by (n + 2)/3, C kept diagonal). Minimising, with lambda samples
//   x_k = m + sigma y_k,  y_k = B D z_k  (sep: sqrt(diag C) . z_k),  z_k ~ N(0, I),
// ranked by loss, y_w = sum_{i <= mu} w_i y_{i:lambda}:
//   m     <- m + c_m sigma y_w
//   p_s   <- (1 - c_s) p_s + sqrt(c_s (2 - c_s) mu_eff) C^{-1/2} y_w
//   sigma <- sigma exp(c_s / d_s (|p_s| / E|N(0, I)| - 1))
//   p_c   <- (1 - c_c) p_c + h_s sqrt(c_c (2 - c_c) mu_eff) y_w
//   C     <- (1 - c_1 - c_mu + (1 - h_s) c_1 c_c (2 - c_c)) C + c_1 p_c p_c^T
//            + c_mu sum_i w_i y_{i:lambda} y_{i:lambda}^T.
// The full C is re-decomposed (B, D) every ceil(1 / (10 n (c_1 + c_mu))) generations, as the
// tutorial suggests. IPOP restarts (es.restarts > 0; Auger & Hansen 2005): when the losses stall
// (their range over the generation and the last 10 + 30 n / lambda generations' best below
// 1e-12), sigma collapses (sigma max(|p_c|, sqrt(diag C)) below 1e-12 sigma_0) or C's condition
// exceeds 1e14, the search starts again from the initial mean with sigma_0 and twice the
// population. State: "sigma", "ps", "pc", "C" (n or n^2), "B", "D", scalars "t" (generations
// since the (re)start), "age" (since the last decomposition), "lambda", "restarts", "x0" and the
// recent best losses "best".
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "esbio/core/error.hpp"
#include "esbio/es/registry.hpp"
#include "joint.hpp"
#include "linalg.hpp"

namespace esbio::es::detail {

namespace {

struct parameters {
  std::size_t lambda = 0, mu = 0;
  std::vector<double> w;
  double mu_eff = 0, c_s = 0, d_s = 0, c_c = 0, c_1 = 0, c_mu = 0, chi_n = 0, c_m = 1;
};

struct cmaes_options {
  std::optional<double> mean_lr;  // c_m; unset: 1
  std::size_t restarts = 0;       // IPOP restarts

  static const esbio::schema<cmaes_options>& schema() {
    using o = cmaes_options;
    static const auto s = esbio::schema<o>()
                              .field("es.mean_lr", &o::mean_lr, codecs::real_or("default"),
                                     "step size of the mean update (default 1)")
                              .field("es.restarts", &o::restarts, codecs::count<std::size_t>(0, 20),
                                     "IPOP restarts, the population doubled each time");
    return s;
  }
  void validate() const {
    if (mean_lr && !(*mean_lr > 0)) throw input_error("es.mean_lr must be positive");
  }
};

// The state, as the header lists it.
struct cmaes_state {
  bool separable = false;  // the strategy's, not stored
  double sigma = 0;
  std::vector<double> x0, ps, pc, C, B, D, best;
  std::size_t t = 0, age = 0, lambda = 0, restarts = 0;

  static bool full(const cmaes_state& s) { return !s.separable; }
  static const std::vector<state_field<cmaes_state>>& fields() {
    using c = cmaes_state;
    static const std::vector<state_field<c>> f{
        {"B", &c::B, full},     {"C", &c::C},       {"D", &c::D, full},
        {"age", &c::age, full}, {"best", &c::best}, {"lambda", &c::lambda},
        {"pc", &c::pc},         {"ps", &c::ps},     {"restarts", &c::restarts},
        {"sigma", &c::sigma},   {"t", &c::t},       {"x0", &c::x0}};
    return f;
  }
};

class cmaes final : public joint_search<direct_search> {
 public:
  cmaes(const es_config& cfg, const param_layout& layout, const cmaes_options& o, bool separable)
      : joint_search(cfg, layout), sep_(separable), o_(o) {
    lambda0_ = cfg_.population > 0 ? cfg_.population : log_population(n_);
  }

  search_state initial(std::span<const double> theta) const override {
    cmaes_state s;
    s.separable = sep_;
    s.x0.resize(n_);
    gather(theta, s.x0);
    start(s, lambda0_);
    return search_state(std::move(s));
  }
  void adopt(search_state& s) const override {
    cmaes_state prototype;
    prototype.separable = sep_;
    s.adopt(std::move(prototype));
  }
  std::size_t evaluations(const search_state& s) const override {
    return s.get<cmaes_state>().lambda + 1;
  }

  void ask(std::span<const double> theta, const search_state& state, std::uint32_t g, std::size_t m,
           std::span<double> out) const override {
    std::copy(theta.begin(), theta.end(), out.begin());
    if (m == 0) return;
    const auto& s = state.get<cmaes_state>();
    std::vector<double> x(n_), y(n_);
    gather(theta, x);
    sample(s, g, m, y);
    const double sigma = s.sigma;
    for (std::size_t i = 0; i < n_; ++i) x[i] += sigma * y[i];
    scatter(x, out);
  }

  generation_summary tell(std::span<double> theta, search_state& state, std::uint32_t g,
                          std::span<const evaluation> evals) const override {
    auto& s = state.get<cmaes_state>();
    const auto lambda = s.lambda;
    const auto p = params(lambda);
    generation_summary out;
    out.block = all_blocks;
    out.failures = count_failures(evals);
    const std::size_t sample_failures = out.failures - (evals[0].ok() ? 0 : 1);
    double& sigma = s.sigma;
    out.sigma = sigma;
    if (sample_failures == lambda) return out;  // no sample succeeded: no information

    const auto order = ranked(evals);
    std::vector<double> y_w(n_, 0.0);
    std::vector<std::vector<double>> ys(p.mu, std::vector<double>(n_));
    for (std::size_t i = 0; i < p.mu; ++i) {
      sample(s, g, order[i], ys[i]);
      for (std::size_t j = 0; j < n_; ++j) y_w[j] += p.w[i] * ys[i][j];
    }
    // Mean.
    std::vector<double> x(n_);
    gather(theta, x);
    double step2 = 0;
    for (std::size_t j = 0; j < n_; ++j) {
      const double d = p.c_m * sigma * y_w[j];
      x[j] += d;
      step2 += d * d;
    }
    scatter(x, theta);
    out.grad_norm = std::sqrt(step2);
    // Step-size path, with C^{-1/2} y_w.
    auto& ps = s.ps;
    auto& pc = s.pc;
    auto& c = s.C;
    std::vector<double> w_inv(n_);
    inverse_sqrt_times(s, y_w, w_inv);
    const double a_s = std::sqrt(p.c_s * (2 - p.c_s) * p.mu_eff);
    double ps2 = 0;
    for (std::size_t j = 0; j < n_; ++j) {
      ps[j] = (1 - p.c_s) * ps[j] + a_s * w_inv[j];
      ps2 += ps[j] * ps[j];
    }
    const double ps_norm = std::sqrt(ps2);
    ++s.t;
    const double hs_lhs =
        ps_norm / std::sqrt(1 - std::pow(1 - p.c_s, 2 * static_cast<double>(s.t)));
    const double h_s = hs_lhs < (1.4 + 2 / (static_cast<double>(n_) + 1)) * p.chi_n ? 1.0 : 0.0;
    const double a_c = h_s * std::sqrt(p.c_c * (2 - p.c_c) * p.mu_eff);
    for (std::size_t j = 0; j < n_; ++j) pc[j] = (1 - p.c_c) * pc[j] + a_c * y_w[j];
    // Covariance.
    const double keep = 1 - p.c_1 - p.c_mu + (1 - h_s) * p.c_1 * p.c_c * (2 - p.c_c);
    if (sep_) {
      for (std::size_t j = 0; j < n_; ++j) {
        double rank_mu = 0;
        for (std::size_t i = 0; i < p.mu; ++i) rank_mu += p.w[i] * ys[i][j] * ys[i][j];
        c[j] = keep * c[j] + p.c_1 * pc[j] * pc[j] + p.c_mu * rank_mu;
      }
    } else {
      for (std::size_t a = 0; a < n_; ++a)
        for (std::size_t b = 0; b < n_; ++b) {
          double rank_mu = 0;
          for (std::size_t i = 0; i < p.mu; ++i) rank_mu += p.w[i] * ys[i][a] * ys[i][b];
          c[a * n_ + b] = keep * c[a * n_ + b] + p.c_1 * pc[a] * pc[b] + p.c_mu * rank_mu;
        }
      ++s.age;
      const double every = std::ceil(1 / (10 * static_cast<double>(n_) * (p.c_1 + p.c_mu)));
      if (static_cast<double>(s.age) >= every) decompose(s);
    }
    sigma *= std::exp(p.c_s / p.d_s * (ps_norm / p.chi_n - 1));
    out.sigma = sigma;

    // Best-loss history and restarts.
    auto& best = s.best;
    const double gen_best = evals[order.front()].loss;
    best.push_back(gen_best);
    const std::size_t window =
        10 + static_cast<std::size_t>(
                 std::ceil(30 * static_cast<double>(n_) / static_cast<double>(lambda)));
    if (best.size() > window) best.erase(best.begin());
    if (s.restarts < o_.restarts && stalled(s, evals, order, p)) {
      ++s.restarts;
      scatter(s.x0, theta);
      start(s, 2 * lambda);
    }
    return out;
  }

 private:
  parameters params(std::size_t lambda) const {
    parameters p;
    const double n = static_cast<double>(n_);
    p.lambda = lambda;
    p.mu = lambda / 2;
    double sum = 0, sum2 = 0;
    for (std::size_t i = 1; i <= p.mu; ++i) {
      p.w.push_back(std::log((static_cast<double>(lambda) + 1) / 2) -
                    std::log(static_cast<double>(i)));
      sum += p.w.back();
    }
    for (double& w : p.w) {
      w /= sum;
      sum2 += w * w;
    }
    p.mu_eff = 1 / sum2;
    p.c_s = (p.mu_eff + 2) / (n + p.mu_eff + 5);
    p.d_s = 1 + 2 * std::max(0.0, std::sqrt((p.mu_eff - 1) / (n + 1)) - 1) + p.c_s;
    p.c_c = (4 + p.mu_eff / n) / (n + 4 + 2 * p.mu_eff / n);
    p.c_1 = 2 / ((n + 1.3) * (n + 1.3) + p.mu_eff);
    p.c_mu =
        std::min(1 - p.c_1, 2 * (p.mu_eff - 2 + 1 / p.mu_eff) / ((n + 2) * (n + 2) + p.mu_eff));
    if (sep_) {
      const double scale = (n + 2) / 3;
      p.c_1 = std::min(1.0, p.c_1 * scale);
      p.c_mu = std::min(1 - p.c_1, p.c_mu * scale);
    }
    p.chi_n = std::sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n));
    p.c_m = o_.mean_lr.value_or(1.0);
    return p;
  }

  void start(cmaes_state& s, std::size_t lambda) const {
    s.lambda = lambda;
    s.sigma = cfg_.sigma;
    s.ps.assign(n_, 0.0);
    s.pc.assign(n_, 0.0);
    s.t = 0;
    s.best.clear();
    if (sep_) {
      s.C.assign(n_, 1.0);
    } else {
      s.C.assign(n_ * n_, 0.0);
      for (std::size_t i = 0; i < n_; ++i) s.C[i * n_ + i] = 1;
      s.B = s.C;
      s.D.assign(n_, 1.0);
      s.age = 0;
    }
  }

  // y = B D z (sep: sqrt(diag C) . z) for member m's noise.
  void sample(const cmaes_state& s, std::uint32_t g, std::size_t m, std::span<double> y) const {
    std::vector<double> z(n_);
    noise(g, static_cast<std::uint32_t>(m), z);
    if (sep_) {
      const auto& c = s.C;
      for (std::size_t j = 0; j < n_; ++j) y[j] = std::sqrt(c[j]) * z[j];
      return;
    }
    const auto& b = s.B;
    const auto& d = s.D;
    for (std::size_t i = 0; i < n_; ++i) {
      double acc = 0;
      for (std::size_t j = 0; j < n_; ++j) acc += b[i * n_ + j] * d[j] * z[j];
      y[i] = acc;
    }
  }

  // out = C^{-1/2} v = B D^{-1} B^T v (sep: v / sqrt(diag C)).
  void inverse_sqrt_times(const cmaes_state& s, std::span<const double> v,
                          std::span<double> out) const {
    if (sep_) {
      const auto& c = s.C;
      for (std::size_t j = 0; j < n_; ++j) out[j] = v[j] / std::sqrt(c[j]);
      return;
    }
    const auto& b = s.B;
    const auto& d = s.D;
    std::vector<double> bt(n_, 0.0);
    for (std::size_t j = 0; j < n_; ++j) {
      double acc = 0;
      for (std::size_t i = 0; i < n_; ++i) acc += b[i * n_ + j] * v[i];
      bt[j] = acc / d[j];
    }
    for (std::size_t i = 0; i < n_; ++i) {
      double acc = 0;
      for (std::size_t j = 0; j < n_; ++j) acc += b[i * n_ + j] * bt[j];
      out[i] = acc;
    }
  }

  void decompose(cmaes_state& s) const {
    auto c = s.C;
    for (std::size_t a = 0; a < n_; ++a)  // enforce symmetry against rounding
      for (std::size_t b = a + 1; b < n_; ++b)
        c[a * n_ + b] = c[b * n_ + a] = 0.5 * (c[a * n_ + b] + c[b * n_ + a]);
    std::vector<double> d, v;
    symmetric_eigen(n_, c, d, v);
    for (double& x : d) x = std::sqrt(std::max(x, 1e-300));
    s.B = v;
    s.D = d;
    s.age = 0;
  }

  bool stalled(const cmaes_state& s, std::span<const evaluation> evals,
               const std::vector<std::size_t>& order, const parameters& p) const {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (std::size_t m : order)
      if (evals[m].ok()) lo = std::min(lo, evals[m].loss), hi = std::max(hi, evals[m].loss);
    const auto& best = s.best;
    const std::size_t window =
        10 + static_cast<std::size_t>(
                 std::ceil(30 * static_cast<double>(n_) / static_cast<double>(p.lambda)));
    if (best.size() >= window) {
      for (double b : best) lo = std::min(lo, b), hi = std::max(hi, b);
      if (hi - lo < 1e-12) return true;
    }
    const double sigma = s.sigma;
    const auto& pc = s.pc;
    const auto& c = s.C;
    double spread = 0;
    for (std::size_t j = 0; j < n_; ++j)
      spread = std::max({spread, std::abs(pc[j]), std::sqrt(sep_ ? c[j] : c[j * n_ + j])});
    if (sigma * spread < 1e-12 * cfg_.sigma) return true;
    if (!sep_) {
      const auto& d = s.D;
      const double cond = (d.back() * d.back()) / (d.front() * d.front());
      if (cond > 1e14) return true;
    }
    return false;
  }

  bool sep_;
  cmaes_options o_;
  std::size_t lambda0_ = 0;
};

strategy_traits traits() {
  strategy_traits t;
  t.default_population = log_population;
  t.estimates_gradient = false;
  t.refuses_lowrank = "CMA-ES shapes its own noise";
  return t;
}

}  // namespace
}  // namespace esbio::es::detail

namespace esbio::es {

strategy_info sep_cmaes_strategy() {
  return registered_strategy<detail::cmaes_options>(
      "sep_cmaes", "diagonal CMA-ES (Ros & Hansen 2008), IPOP restarts", detail::traits(),
      [](const es_config& cfg, const param_layout& layout, const detail::cmaes_options& o) {
        return std::make_unique<detail::cmaes>(cfg, layout, o, true);
      });
}

strategy_info cmaes_strategy() {
  return registered_strategy<detail::cmaes_options>(
      "cmaes", "CMA-ES (Hansen's tutorial), IPOP restarts: up to a few hundred parameters",
      detail::traits(),
      [](const es_config& cfg, const param_layout& layout, const detail::cmaes_options& o) {
        return std::make_unique<detail::cmaes>(cfg, layout, o, false);
      });
}

}  // namespace esbio::es
