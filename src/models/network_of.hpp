#pragma once
// network_of<M>: the network (network.hpp) of one neuron model, and describe_model<M>(), its
// registry entry. Private to the models layer: a model's source file includes it and
// instantiates both for its model, and that file is compiled with -ffast-math -fopenmp-simd
// (CMakeLists.txt) so that the per-neuron loops below vectorise with libmvec's exp. Under
// -ffast-math std::isfinite is folded away, so finiteness is tested on the bits (finite_bits).
//
// Every per-neuron loop runs population by population, each with its model constants; a
// population covering the whole network is one flat loop over trials x N (the fixed-step
// scheme's inner loop at paper size: 2000 steps x 50 trials x 128 neurons).
//
// Conductance coupling (continuous model): with a_j the synaptic activation and G_i =
// syn_gain sum_j W[j][i] a_j, H_i = syn_gain sum_j W[j][i] a_j E_j (one product when every E_j
// is the same: H = E G),
//   fV_i = (I0_i + H_i - G_i V_i - ionic_i) / C_i,  I0_i = (Iapp + d_i) gain + offset,
//   fa_j = alpha_j T(V_j) (1 - a_j) - beta_j a_j,
//   dfV_i/dV_i += -G_i / C_i,  dfV_i/da_j = syn_gain W[j][i] (E_j - V_i) / C_i,
//   dfa_j/dV_j = alpha_j T'(V_j) (1 - a_j),  dfa_j/da_j = -alpha_j T(V_j) - beta_j.
// Current coupling: fV_i = ((Iapp + d_i + sum_j T(V_j) W[j][i]) gain + offset - ionic_i) / C_i,
//   dfV_i/dV_j += gain W[j][i] T'(V_j) / C_i.

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "coupling.hpp"
#include "esbio/core/error.hpp"
#include "esbio/models/network.hpp"
#include "esbio/models/neuron_registry.hpp"
#include "esbio/models/single_neuron.hpp"

namespace esbio::models {

// Whether x is finite, from its bits (immune to -ffinite-math-only).
inline bool finite_bits(double x) {
  return (std::bit_cast<std::uint64_t>(x) & 0x7ff0000000000000ull) != 0x7ff0000000000000ull;
}

template <neuron_model M>
typename M::params model_params(std::span<const double> values) {
  typename M::params p;
  const auto table = M::constants();
  for (std::size_t k = 0; k < table.size(); ++k) p.*(table[k].member) = values[k];
  return p;
}

template <neuron_model M>
class network_of final : public network {
  using params = typename M::params;
  static constexpr std::size_t S = M::states;

 public:
  network_of(const network_description& d, const network_options& o)
      : network(d, S),
        opt_(o),
        drive_(n_, 0.0),
        t_(n_),
        z_(n_),
        h_(n_),
        product_in_(n_),
        product_out_(n_) {
    // A homogeneous population is one group; a heterogeneous one (a constant given per neuron)
    // a group per neuron.
    std::size_t first = 0;
    for (const auto& pop : d.populations) {
      bool uniform = true;
      for (const auto& [name, v] : pop.constants) uniform = uniform && v.size() == 1;
      const std::size_t groups = uniform ? 1 : pop.count;
      for (std::size_t k = 0; k < groups; ++k) {
        group g;
        g.first = first + k;
        g.last = uniform ? first + pop.count : first + k + 1;
        for (const auto& [name, v] : pop.constants) {
          const auto table = M::constants();
          const auto c = std::find_if(table.begin(), table.end(),
                                      [&](const auto& t) { return name == t.name; });
          if (c == table.end())
            throw input_error("population '" + pop.name + "': " + M::name + " has no constant '" +
                              name + "'");
          g.p.*(c->member) = v.size() == 1 ? v[0] : v[k];
        }
        g.inv_c = 1 / M::capacitance(g.p);
        groups_.push_back(g);
      }
      first += pop.count;
    }
    inv_c_.resize(n_);
    for (const auto& g : groups_)
      for (std::size_t i = g.first; i < g.last; ++i) inv_c_[i] = g.inv_c;
    if (conductance()) {
      e_.resize(n_);
      alpha_.resize(n_);
      beta_.resize(n_);
      for (std::size_t j = 0; j < n_; ++j) {
        const auto& pop = d.populations[d.locate(j).first];
        e_[j] = pop.e_syn;
        alpha_[j] = pop.alpha;
        beta_[j] = pop.beta;
      }
      uniform_e_ = std::all_of(e_.begin(), e_.end(), [&](double e) { return e == e_[0]; });
    }
  }

  void bind_recurrent(std::span<const double> w) override {
    if (w.size() != n_ * n_) throw std::invalid_argument("network: W must be N x N");
    w_ = w;
    if (opt_.float32_weights) {
      w_rounded_.resize(w.size());
      std::transform(w.begin(), w.end(), w_rounded_.begin(),
                     [](double x) { return static_cast<double>(static_cast<float>(x)); });
      w_ = w_rounded_;
    }
    coupling::pack(n_, w_, fixed_d_);
    coupling::pack(n_, w_, fixed_f_);
  }

  void set_drive(std::span<const double> drive) override {
    if (drive.size() != n_) throw std::invalid_argument("network: the drive must have N entries");
    drive_.assign(drive.begin(), drive.end());
  }

  void initial_state(std::size_t neuron, double v, std::span<double> state) const override {
    const auto [pop, i] = desc_.locate(neuron);
    const auto& g = group_of(neuron);
    M::steady_state(g.p, v, state_view<double>{state.data()});
    const auto& names = M::state_names;
    for (const auto& [name, values] : desc_.populations[pop].initial)
      for (std::size_t s = 1; s < S; ++s)
        if (name == names[s]) state[s] = values.size() == 1 ? values[0] : values[i];
  }

  // ---- the continuous model --------------------------------------------------------------

  int rhs(double, const double* y, double* ydot) override {
    const double* v = y;
    const double gain = desc_.input_gain, offset = desc_.input_offset, iapp = desc_.iapp;
    if (conductance()) {
      const double* a = y + S * n_;
      synaptic_sums(a, v);
      for (std::size_t i = 0; i < n_; ++i)
        z_[i] = (iapp + drive_[i]) * gain + offset + h_[i] - z_[i] * v[i];
      outputs(v);
      for (std::size_t j = 0; j < n_; ++j)
        ydot[S * n_ + j] = alpha_[j] * t_[j] * (1 - a[j]) - beta_[j] * a[j];
    } else {
      outputs(v);
      recurrent_product(t_.data(), z_.data());
      for (std::size_t i = 0; i < n_; ++i) z_[i] = (iapp + drive_[i] + z_[i]) * gain + offset;
    }
    neuron_rates(y, z_.data(), ydot);
    return 0;
  }

  bool jacobian(double, const double* y, double* jac) override {
    const std::size_t m = size();
    const double* v = y;
    for (const auto& g : groups_)
      for (std::size_t i = g.first; i < g.last; ++i) {
        std::array<double, S * S> jb;
        M::jacobian(g.p, state_view<const double>{y + i, n_}, state_view<double>{jb.data()});
        for (std::size_t r = 0; r < S; ++r)
          for (std::size_t c = 0; c < S; ++c) jac[(r * n_ + i) + (c * n_ + i) * m] = jb[r * S + c];
      }
    if (conductance()) {
      const double* a = y + S * n_;
      synaptic_sums(a, v);  // G into z_
      for (const auto& g : groups_)
        for (std::size_t i = g.first; i < g.last; ++i) jac[i + i * m] -= z_[i] * g.inv_c;
      // V-a block, column j: dfV_i/da_j = syn_gain W[j][i] (E_j - V_i) / C_i.
      for (std::size_t j = 0; j < n_; ++j) {
        const double* row = w_.data() + j * n_;
        double* col = jac + (S * n_ + j) * m;
        for (const auto& g : groups_)
          for (std::size_t i = g.first; i < g.last; ++i)
            col[i] = desc_.syn_gain * row[i] * (e_[j] - v[i]) * g.inv_c;
        const double t = output(v[j]);
        jac[(S * n_ + j) + j * m] = alpha_[j] * output_slope(v[j]) * (1 - a[j]);
        jac[(S * n_ + j) + (S * n_ + j) * m] = -alpha_[j] * t - beta_[j];
      }
      return true;
    }
    // V-V block, column j: dfV_i/dV_j += gain W[j][i] T'(V_j) / C_i.
    for (std::size_t j = 0; j < n_; ++j) {
      const double s = desc_.input_gain * output_slope(v[j]);
      const double* row = w_.data() + j * n_;
      double* col = jac + j * m;
      for (const auto& g : groups_)
        for (std::size_t i = g.first; i < g.last; ++i) col[i] += s * row[i] * g.inv_c;
    }
    return true;
  }

  bool jvp(double, const double* y, const double* v, double* out) override {
    linearise(y, lin_);
    return jvp_apply(v, out) == 0;
  }
  bool has_jvp() const override { return true; }
  int jvp_setup(double, const double* y) override {
    linearise(y, lin_);
    for (double x : lin_)
      if (!finite_bits(x)) return 1;
    return 0;
  }

  // lin_ holds, per neuron, the S x S entries of its block (entry r * S + c in row r * S + c of N
  // values), then the coupling's: with current coupling e_j = gain T'(V_j) (the presynaptic
  // factor; 1/C_i scales the product), with conductance coupling e_i = syn_gain / C_i, the
  // synapse's partials dfa/dV and dfa/da, -G_i / C_i, and V_i.
  int jvp_apply(const double* v, double* out) override {
    const std::size_t n = n_;
    const double* jb = lin_.data();
    const double* e = jb + S * S * n;
    for (std::size_t r = 0; r < S; ++r)
      for (std::size_t i = 0; i < n; ++i) {
        double s = 0;
        for (std::size_t c = 0; c < S; ++c) s += jb[(r * S + c) * n + i] * v[c * n + i];
        out[r * n + i] = s;
      }
    if (!conductance()) {
      double* u = jv_.data();
      double* z = u + n;
      for (std::size_t i = 0; i < n; ++i) u[i] = e[i] * v[i];
      recurrent_product(u, z);
      for (const auto& g : groups_)
        for (std::size_t i = g.first; i < g.last; ++i) out[i] += z[i] * g.inv_c;
      return 0;
    }
    const double* av = e + n;
    const double* aa = av + n;
    const double* gv = aa + n;
    const double* vl = gv + n;
    const double* va = v + S * n;
    double* gs = jv_.data();
    double* hs = gs + n;
    recurrent_product(va, gs);
    if (!uniform_e_) {
      for (std::size_t j = 0; j < n; ++j) product_tmp_[j] = va[j] * e_[j];
      recurrent_product(product_tmp_.data(), hs);
    }
    for (std::size_t i = 0; i < n; ++i) {
      const double h = uniform_e_ ? e_[0] * gs[i] : hs[i];
      out[i] += e[i] * (h - vl[i] * gs[i]) + gv[i] * v[i];
      out[S * n + i] = av[i] * v[i] + aa[i] * va[i];
    }
    return 0;
  }

  bool has_preconditioner() const override { return true; }
  bool has_transposed_preconditioner() const override { return true; }

  int precondition_setup(double, const double* y, double gamma) override {
    linearise(y, prec_lin_);
    const std::size_t n = n_, b = block_size();
    const double* jb = prec_lin_.data();
    const double* e = jb + S * S * n;
    prec_.resize(b * b * n);
    for (std::size_t i = 0; i < n; ++i) {
      double* blk = prec_.data() + b * b * i;
      for (std::size_t r = 0; r < S; ++r)
        for (std::size_t c = 0; c < S; ++c)
          blk[r * b + c] = (r == c ? 1.0 : 0.0) - gamma * jb[(r * S + c) * n + i];
      const double self = w_[i * n + i];
      if (!conductance()) {
        blk[0] -= gamma * e[i] * self * inv_c_[i];
      } else {
        const double* av = e + n;
        const double* aa = av + n;
        const double* gv = aa + n;
        const double* vl = gv + n;
        blk[0] -= gamma * gv[i];
        for (std::size_t c = 1; c < S; ++c) blk[c * b + S] = 0, blk[S * b + c] = 0;
        blk[S] = -gamma * e[i] * self * (e_[i] - vl[i]);
        blk[S * b] = -gamma * av[i];
        blk[S * b + S] = 1 - gamma * aa[i];
      }
      if (!invert_block(blk, b)) return 1;  // ask CVODE for a smaller step
    }
    return 0;
  }
  int precondition_solve(const double* r, double* z) override { return apply(r, z, false); }
  int precondition_solve_transposed(const double* r, double* z) override {
    return apply(r, z, true);
  }

  std::size_t parameter_count() const override { return n_ * n_ + n_; }

  bool vjp(double, const double* y, const double* lambda, double* out_y, double* out_p) override {
    const std::size_t n = n_;
    linearise(y, adj_lin_);
    const double* jb = adj_lin_.data();
    const double* e = jb + S * S * n;
    const double* lv = lambda;
    // u_i = dL/d(input current of i) = l_V_i / C_i.
    for (const auto& g : groups_)
      for (std::size_t i = g.first; i < g.last; ++i) u_[i] = lv[i] * g.inv_c;
    if (out_y)
      for (std::size_t c = 0; c < S; ++c)
        for (std::size_t i = 0; i < n; ++i) {
          double s = 0;
          for (std::size_t r = 0; r < S; ++r) s += jb[(r * S + c) * n + i] * lambda[r * n + i];
          out_y[c * n + i] = s;
        }
    const double gain = desc_.input_gain;
    if (!conductance()) {
      if (out_y)
        for (std::size_t j = 0; j < n; ++j) out_y[j] += e[j] * dot(w_.data() + j * n, u_.data(), n);
      if (out_p)
        for (std::size_t j = 0; j < n; ++j) {
          const double tj = gain * t_[j];
          for (std::size_t i = 0; i < n; ++i) out_p[j * n + i] = tj * u_[i];
        }
    } else {
      const double* av = e + n;
      const double* aa = av + n;
      const double* gv = aa + n;
      const double* a = y + S * n;
      const double* la = lambda + S * n;
      if (out_y)
        for (std::size_t i = 0; i < n; ++i) {
          out_y[i] += gv[i] * lv[i] + av[i] * la[i];
          // dfV_i/da_j = syn_gain W[j][i] (E_j - V_i) / C_i
          double s = 0;
          const double* row = w_.data() + i * n;
          for (std::size_t k = 0; k < n; ++k) s += row[k] * (e_[i] - y[k]) * u_[k];
          out_y[S * n + i] = desc_.syn_gain * s + aa[i] * la[i];
        }
      if (out_p)
        for (std::size_t j = 0; j < n; ++j)
          for (std::size_t i = 0; i < n; ++i)
            out_p[j * n + i] = desc_.syn_gain * a[j] * (e_[j] - y[i]) * u_[i];
    }
    if (out_p)
      for (std::size_t i = 0; i < n; ++i) out_p[n * n + i] = gain * u_[i];
    return true;
  }

  // ---- the fixed-step scheme -------------------------------------------------------------

  void steps(std::size_t trials, std::span<double> state, std::span<double> t_prev,
             std::span<const double> drive, double dt) override {
    steps_as(trials, state.data(), t_prev.data(), drive.data(), dt);
  }
  void steps(std::size_t trials, std::span<float> state, std::span<float> t_prev,
             std::span<const float> drive, double dt) override {
    steps_as(trials, state.data(), t_prev.data(), drive.data(), dt);
  }
  void steps_vjp(std::size_t trials, std::span<const double> state, std::span<const double> t_prev,
                 std::span<const double> state_new, std::span<const double> t_new, double dt,
                 std::span<double> lambda, std::span<double> lambda_t, std::span<double> grad_drive,
                 std::span<double> grad_w) override {
    steps_vjp_as(trials, state.data(), t_prev.data(), state_new.data(), t_new.data(), dt,
                 lambda.data(), lambda_t.data(), grad_drive.data(), grad_w.data());
  }
  void steps_vjp(std::size_t trials, std::span<const float> state, std::span<const float> t_prev,
                 std::span<const float> state_new, std::span<const float> t_new, double dt,
                 std::span<float> lambda, std::span<float> lambda_t, std::span<float> grad_drive,
                 std::span<float> grad_w) override {
    steps_vjp_as(trials, state.data(), t_prev.data(), state_new.data(), t_new.data(), dt,
                 lambda.data(), lambda_t.data(), grad_drive.data(), grad_w.data());
  }
  void coupling_product(std::size_t trials, const double* t, double* z) const override {
    coupling::batched_product(n_, trials, t, fixed_d_, z);
  }
  void coupling_product(std::size_t trials, const float* t, float* z) const override {
    coupling::batched_product(n_, trials, t, fixed_f_, z);
  }

 private:
  struct group {
    std::size_t first = 0, last = 0;  // the population's neurons
    params p;
    double inv_c = 1;
  };

  std::size_t block_size() const { return S + (conductance() ? 1 : 0); }

  const group& group_of(std::size_t neuron) const {
    return *std::find_if(groups_.begin(), groups_.end(),
                         [&](const group& g) { return neuron < g.last; });
  }

  static double dot(const double* a, const double* b, std::size_t n) {
    double s = 0;
    for (std::size_t i = 0; i < n; ++i) s += a[i] * b[i];
    return s;
  }

  // out_i = sum_j x_j W[j][i], in float with float32_weights.
  void recurrent_product(const double* x, double* out) const {
    if (!opt_.float32_weights) {
      coupling::rows_product(n_, w_.data(), x, out);
      return;
    }
    std::copy(x, x + n_, product_in_.begin());
    coupling::rows_product(n_, fixed_f_.rows.data(), product_in_.data(), product_out_.data());
    std::copy(product_out_.begin(), product_out_.end(), out);
  }

  // G_i into z_ and H_i into h_ (see the top of this file).
  void synaptic_sums(const double* a, const double* v) {
    (void)v;
    recurrent_product(a, z_.data());
    if (uniform_e_) {
      for (std::size_t i = 0; i < n_; ++i) {
        z_[i] *= desc_.syn_gain;
        h_[i] = e_[0] * z_[i];
      }
      return;
    }
    product_tmp_.resize(n_);
    for (std::size_t j = 0; j < n_; ++j) product_tmp_[j] = a[j] * e_[j];
    recurrent_product(product_tmp_.data(), h_.data());
    for (std::size_t i = 0; i < n_; ++i) {
      z_[i] *= desc_.syn_gain;
      h_[i] *= desc_.syn_gain;
    }
  }

  void outputs(const double* v) {
    double* t = t_.data();
    const double vt = desc_.vt, inv_kp = 1 / desc_.kp;
#pragma omp simd
    for (std::size_t i = 0; i < n_; ++i) t[i] = 1 / (1 + std::exp(-(v[i] - vt) * inv_kp));
  }

  // dy of every neuron's own states for the input currents `current`.
  void neuron_rates(const double* y, const double* current, double* dy) const {
    for (const auto& g : groups_) {
      // A copy: through a reference the loop's stores might alias p, and every constant derived
      // from it (HH's phi = 3^((T - 6.3)/10), an exp) would be recomputed per neuron.
      const params p = g.p;
#pragma omp simd
      for (std::size_t i = g.first; i < g.last; ++i)
        M::rates(p, state_view<const double>{y + i, n_}, current[i],
                 state_view<double>{dy + i, n_});
    }
  }

  // The partials at y into lin (layout at jvp_apply), T(V) into t_.
  void linearise(const double* y, std::vector<double>& lin) {
    const std::size_t n = n_;
    const double* v = y;
    lin.resize((S * S + (conductance() ? 5 : 1)) * n);
    jv_.resize(2 * n);
    u_.resize(n);
    product_tmp_.resize(n);
    double* jb = lin.data();
    double* e = jb + S * S * n;
    for (const auto& g : groups_) {
      // A copy: through a reference the loop's stores might alias p, and every constant derived
      // from it (HH's phi = 3^((T - 6.3)/10), an exp) would be recomputed per neuron.
      const params p = g.p;
#pragma omp simd
      for (std::size_t i = g.first; i < g.last; ++i)
        M::jacobian(p, state_view<const double>{y + i, n}, state_view<double>{jb + i, n});
    }
    const double vt = desc_.vt, inv_kp = 1 / desc_.kp;
    double* t = t_.data();
#pragma omp simd
    for (std::size_t i = 0; i < n; ++i) {
      const double ti = 1 / (1 + std::exp(-(v[i] - vt) * inv_kp));
      t[i] = ti;
      e[i] = ti * (1 - ti) * inv_kp;  // T'(V), scaled below
    }
    if (!conductance()) {
      for (std::size_t i = 0; i < n; ++i) e[i] *= desc_.input_gain;
      return;
    }
    const double* a = y + S * n;
    double* av = e + n;
    double* aa = av + n;
    double* gv = aa + n;
    double* vl = gv + n;
    synaptic_sums(a, v);  // G into z_
    std::copy(v, v + n, vl);
    for (const auto& g : groups_)
      for (std::size_t i = g.first; i < g.last; ++i) {
        av[i] = alpha_[i] * e[i] * (1 - a[i]);
        aa[i] = -alpha_[i] * t[i] - beta_[i];
        gv[i] = -z_[i] * g.inv_c;
        e[i] = desc_.syn_gain * g.inv_c;
      }
  }

  // Gauss-Jordan with partial pivoting on a k x k row-major block; false if singular. The 2 x 2
  // block (Morris-Lecar with current coupling) in closed form.
  static bool invert_block(double* a, std::size_t k) {
    if (k == 2) {
      const double det = a[0] * a[3] - a[1] * a[2];
      if (!(std::abs(det) > 0) || !finite_bits(det)) return false;
      const double m00 = a[0], m01 = a[1], m10 = a[2], m11 = a[3];
      a[0] = m11 / det;
      a[1] = -m01 / det;
      a[2] = -m10 / det;
      a[3] = m00 / det;
      return true;
    }
    double inv[36] = {};
    for (std::size_t i = 0; i < k; ++i) inv[i * k + i] = 1;
    for (std::size_t c = 0; c < k; ++c) {
      std::size_t p = c;
      for (std::size_t r = c + 1; r < k; ++r)
        if (std::abs(a[r * k + c]) > std::abs(a[p * k + c])) p = r;
      if (!(std::abs(a[p * k + c]) > 0) || !finite_bits(a[p * k + c])) return false;
      for (std::size_t j = 0; j < k; ++j) {
        std::swap(a[c * k + j], a[p * k + j]);
        std::swap(inv[c * k + j], inv[p * k + j]);
      }
      const double d = a[c * k + c];
      for (std::size_t j = 0; j < k; ++j) {
        a[c * k + j] /= d;
        inv[c * k + j] /= d;
      }
      for (std::size_t r = 0; r < k; ++r) {
        if (r == c) continue;
        const double f = a[r * k + c];
        for (std::size_t j = 0; j < k; ++j) {
          a[r * k + j] -= f * a[c * k + j];
          inv[r * k + j] -= f * inv[c * k + j];
        }
      }
    }
    std::copy(inv, inv + k * k, a);
    return true;
  }

  int apply(const double* r, double* z, bool transpose) const {
    const std::size_t n = n_, b = block_size();
    for (std::size_t i = 0; i < n; ++i) {
      const double* inv = prec_.data() + b * b * i;
      double rb[6], zb[6] = {};
      for (std::size_t k = 0; k < b; ++k) rb[k] = r[k * n + i];
      for (std::size_t k = 0; k < b; ++k)
        for (std::size_t l = 0; l < b; ++l)
          zb[k] += (transpose ? inv[l * b + k] : inv[k * b + l]) * rb[l];
      for (std::size_t k = 0; k < b; ++k) z[k * n + i] = zb[k];
    }
    return 0;
  }

  template <class real>
  std::vector<real>& scratch_z() {
    if constexpr (std::is_same_v<real, float>)
      return zb_f_;
    else
      return zb_;
  }
  template <class real>
  std::vector<real>& scratch_lz() {
    if constexpr (std::is_same_v<real, float>)
      return lz_f_;
    else
      return lz_;
  }
  template <class real>
  const coupling::panel_weights<real>& fixed() const {
    if constexpr (std::is_same_v<real, float>)
      return fixed_f_;
    else
      return fixed_d_;
  }

  // count neurons' step: the model's step with c = I / C from the coupling z, then T of the new
  // V as nt / (1 + q), q = e^{-|V - Vt|/Kp} (no overflow at any V). 1/C is divided here, not read
  // from group::inv_c: under -ffast-math GCC folds gain * (1/C) into gain / C when it sees the
  // division, a different rounding, and that is the rounding task B's golden hashes hold.
  template <class real>
  void neuron_update(const group& g, double dt, std::size_t count, real* v, real* second, real* t,
                     const real* z) const {
    const auto k = M::template prepare<real>(g.p, dt);
    const real inv_c = real(1 / M::capacitance(g.p));
    const real gain = real(desc_.input_gain) * inv_c,
               bias = real(desc_.input_offset + desc_.iapp * desc_.input_gain) * inv_c;
    const real vt = real(desc_.vt), inv_kp = real(1 / desc_.kp);
    const auto stride = static_cast<std::size_t>(second - v);
#pragma omp simd
    for (std::size_t i = 0; i < count; ++i) {
      M::step(k, step_input<real>{z + i, gain, bias}, state_view<real>{v + i, stride});
      const real o = (v[i] - vt) * inv_kp, e_o = std::exp(-std::abs(o));
      t[i] = (o >= 0 ? real(1) : e_o) / (1 + e_o);
    }
  }
  // The same for one neuron of a heterogeneous population in every trial (entries `step` apart).
  template <class real>
  void neuron_update_strided(const group& g, double dt, std::size_t count, std::size_t step,
                             real* v, real* second, real* t, const real* z) const {
    const auto k = M::template prepare<real>(g.p, dt);
    const real inv_c = real(1 / M::capacitance(g.p));
    const real gain = real(desc_.input_gain) * inv_c,
               bias = real(desc_.input_offset + desc_.iapp * desc_.input_gain) * inv_c;
    const real vt = real(desc_.vt), inv_kp = real(1 / desc_.kp);
    const auto stride = static_cast<std::size_t>(second - v);
#pragma omp simd
    for (std::size_t c = 0; c < count; ++c) {
      const std::size_t i = c * step;
      M::step(k, step_input<real>{z + i, gain, bias}, state_view<real>{v + i, stride});
      const real o = (v[i] - vt) * inv_kp, e_o = std::exp(-std::abs(o));
      t[i] = (o >= 0 ? real(1) : e_o) / (1 + e_o);
    }
  }

  // One step of every neuron of every trial: the model's step with c = I / C, then T of the new
  // V as nt / (1 + q), q = e^{-|V - Vt|/Kp} (no overflow at any V).
  template <class real>
  void steps_as(std::size_t trials, real* st, real* t, const real* drive, double dt) {
    const std::size_t total = trials * n_;
    auto& zb = scratch_z<real>();
    zb.resize(total);
    real* z = zb.data();
    // z = drive + T W, one matrix-matrix product per step (the coupling lagged by one step).
    std::copy(drive, drive + total, z);
    coupling_product(trials, t, z);
    for (const auto& g : groups_) {
      if (g.first == 0 && g.last == n_)
        neuron_update(g, dt, total, st, st + total, t, z);
      else if (g.last - g.first == 1)  // one neuron of a heterogeneous population: every trial
        neuron_update_strided(g, dt, trials, n_, st + g.first, st + g.first + total, t + g.first,
                              z + g.first);
      else
        for (std::size_t b = 0; b < trials; ++b) {
          const std::size_t i0 = b * n_ + g.first;
          neuron_update(g, dt, g.last - g.first, st + i0, st + i0 + total, t + i0, z + i0);
        }
    }
  }

  template <class real>
  void steps_vjp_as(std::size_t trials, const real* st, const real* t_prev, const real* st_new,
                    const real* t_new, double dt, real* l, real* lt, real* gd, real* gw) {
    const std::size_t total = trials * n_;
    auto& lzv = scratch_lz<real>();
    lzv.resize(total);
    real* lz = lzv.data();
    const real inv_kp = real(1 / desc_.kp);
    for (const auto& g : groups_) {
      const auto kc = M::template prepare<real>(g.p, dt);
      const real z_gain = real(dt * desc_.input_gain / M::capacitance(g.p));
      // Inlined by force: out of line (HH's reverse is large), the loop below calls it per
      // element and libm's scalar exp instead of libmvec's vector one.
      const auto one = [&](std::size_t k) __attribute__((always_inline)) {
        const real tnk = t_new[k];
        l[k] = l[k] + lt[k] * tnk * (1 - tnk) * inv_kp;
        const real a =
            M::step_vjp(kc, state_view<const real>{st + k, total},
                        state_view<const real>{st_new + k, total}, state_view<real>{l + k, total});
        lz[k] = a * z_gain;
        gd[k] += lz[k];
      };
      const auto reverse = [&](std::size_t from, std::size_t to, std::size_t step) {
        if (step == 1) {
#pragma omp simd
          for (std::size_t k = from; k < to; ++k) one(k);
        } else {
#pragma omp simd
          for (std::size_t k = from; k < to; k += step) one(k);
        }
      };
      if (g.first == 0 && g.last == n_)
        reverse(0, total, 1);
      else if (g.last - g.first == 1)
        reverse(g.first, g.first + trials * n_, n_);
      else
        for (std::size_t b = 0; b < trials; ++b) reverse(b * n_ + g.first, b * n_ + g.last, 1);
    }
    coupling::reverse_product(n_, trials, fixed<real>().rows.data(), t_prev, lz, lt, gw);
  }

  network_options opt_;
  std::vector<group> groups_;
  std::vector<double> inv_c_;             // 1/C per neuron
  std::vector<double> e_, alpha_, beta_;  // conductance coupling, per presynaptic neuron
  bool uniform_e_ = true;
  std::span<const double> w_;  // the bound W, or w_rounded_ with float32_weights
  std::vector<double> w_rounded_;
  coupling::panel_weights<double> fixed_d_;
  coupling::panel_weights<float> fixed_f_;
  std::vector<double> drive_, t_, z_, h_, zb_, lz_, u_, product_tmp_;
  std::vector<float> zb_f_, lz_f_;
  mutable std::vector<float> product_in_, product_out_;
  std::vector<double> lin_, jv_, adj_lin_, prec_lin_, prec_;
};

// The registry's entry for M (neuron_registry.hpp).
template <neuron_model M>
neuron_model_info describe_model() {
  neuron_model_info info;
  info.name = M::name;
  for (const char* s : M::state_names) info.state_names.emplace_back(s);
  for (const char* s : M::current_names) info.current_names.emplace_back(s);
  const typename M::params defaults{};
  for (const auto& c : M::constants())
    info.constants.push_back({c.name, c.unit, c.help, defaults.*(c.member), c.sign});
  info.default_capacitance = M::capacitance(defaults);
  info.make_neuron = [](std::span<const double> values, double current) {
    return std::unique_ptr<neuron_system>(
        std::make_unique<single_neuron<M>>(model_params<M>(values), current));
  };
  info.steady_state = [](std::span<const double> values, double v, std::span<double> state) {
    M::steady_state(model_params<M>(values), v, state_view<double>{state.data()});
  };
  info.capacitance = [](std::span<const double> values) {
    return M::capacitance(model_params<M>(values));
  };
  info.make_network = [](const network_description& d, const network_options& o) {
    return std::unique_ptr<network>(std::make_unique<network_of<M>>(d, o));
  };
  return info;
}

}  // namespace esbio::models
