#include "esbio/models/ml_network.hpp"

#include "esbio/models/spike_indicator.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace esbio::models {

double network_params::output(double v) const {
  return spike_indicator(v, vt, 1 / kp);
}

double network_params::output_slope(double v) const {
  const double s = output(v);
  return s * (1 - s) / kp;
}

ml_network::ml_network(std::size_t n, network_params p)
    : n_(n), p_(p), drive_(n, 0.0), t_(n), z_(n), product_in_(n), product_out_(n) {}

void ml_network::bind_recurrent(std::span<const double> w_rec) {
  if (w_rec.size() != n_ * n_) throw std::invalid_argument("ml_network: W_rec must be N x N");
  w_rec_ = w_rec;
  if (p_.float32_weights) {
    w_rounded_.resize(w_rec.size());
    std::transform(w_rec.begin(), w_rec.end(), w_rounded_.begin(),
                   [](double x) { return static_cast<double>(static_cast<float>(x)); });
    w_rec_ = w_rounded_;
  }
  pack_recurrent();
}

void ml_network::set_drive(std::span<const double> drive) {
  if (drive.size() != n_) throw std::invalid_argument("ml_network: drive must have N entries");
  drive_.assign(drive.begin(), drive.end());
}

void ml_network::coupling(const double* t) {
  recurrent_product(t, z_.data());
  for (std::size_t i = 0; i < n_; ++i) z_[i] += drive_[i];
}

int ml_network::rhs(double, const double* y, double* ydot) {
  const double* v = y;
  const double* w = y + n_;
  if (p_.kinetic) {
    const double* s = y + 2 * n_;
    coupling(s);  // z_i = drive_i + sum_j s_j W[j][i]: the synaptic conductance sum (plus drive)
    for (std::size_t i = 0; i < n_; ++i) {
      const double g_syn = p_.syn_gain * (z_[i] - drive_[i]);
      z_[i] = (p_.iapp + drive_[i]) * p_.input_gain + p_.input_bias + g_syn * (p_.e_syn - v[i]);
    }
    neuron_rates(v, w, z_.data(), ydot, ydot + n_);
    outputs(v);
    for (std::size_t i = 0; i < n_; ++i)
      ydot[2 * n_ + i] = p_.alpha * t_[i] * (1 - s[i]) - p_.beta * s[i];
    return 0;
  }
  outputs(v);
  coupling(t_.data());
  for (std::size_t i = 0; i < n_; ++i) z_[i] = (p_.iapp + z_[i]) * p_.input_gain + p_.input_bias;
  neuron_rates(v, w, z_.data(), ydot, ydot + n_);
  return 0;
}

bool ml_network::jacobian(double, const double* y, double* jac) {
  const double* v = y;
  const double* w = y + n_;
  if (p_.kinetic) {
    const double* s = y + 2 * n_;
    const std::size_t m = 3 * n_;
    const double inv_c = 1 / p_.neuron.C;
    coupling(s);
    // V-s block, column j: dfV_i/ds_j = syn_gain W[j][i] (E_syn - V_i) / C.
    for (std::size_t j = 0; j < n_; ++j) {
      const double* row = w_rec_.data() + j * n_;
      double* col = jac + (2 * n_ + j) * m;
      for (std::size_t i = 0; i < n_; ++i)
        col[i] = p_.syn_gain * row[i] * (p_.e_syn - v[i]) * inv_c;
    }
    for (std::size_t i = 0; i < n_; ++i) {
      const double g_syn = p_.syn_gain * (z_[i] - drive_[i]);
      const double current =
          (p_.iapp + drive_[i]) * p_.input_gain + p_.input_bias + g_syn * (p_.e_syn - v[i]);
      (void)current;  // the Jacobian of the neuron does not depend on its input current
      double jb[4];
      morris_lecar::jacobian(p_.neuron, state_view<const double>{y + i, n_},
                             state_view<double>{jb, 1});
      jac[i + i * m] = jb[0] - g_syn * inv_c;
      jac[i + (n_ + i) * m] = jb[1];
      jac[(n_ + i) + i * m] = jb[2];
      jac[(n_ + i) + (n_ + i) * m] = jb[3];
      const double t = p_.output(v[i]);
      jac[(2 * n_ + i) + i * m] = p_.alpha * p_.output_slope(v[i]) * (1 - s[i]);
      jac[(2 * n_ + i) + (2 * n_ + i) * m] = -p_.alpha * t - p_.beta;
    }
    return true;
  }
  const std::size_t m = 2 * n_;
  const double g = p_.input_gain / p_.neuron.C;
  outputs(v);
  coupling(t_.data());
  // V-V block, column j: dfV_i/dV_j = g W_rec[j][i] T'(V_j).
  for (std::size_t j = 0; j < n_; ++j) {
    const double s = g * p_.output_slope(v[j]);
    const double* row = w_rec_.data() + j * n_;
    double* col = jac + j * m;
    for (std::size_t i = 0; i < n_; ++i) col[i] = s * row[i];
  }
  for (std::size_t i = 0; i < n_; ++i) {
    double jb[4];
    morris_lecar::jacobian(p_.neuron, state_view<const double>{y + i, n_},
                           state_view<double>{jb, 1});
    jac[i + i * m] += jb[0];
    jac[i + (n_ + i) * m] = jb[1];
    jac[(n_ + i) + i * m] = jb[2];
    jac[(n_ + i) + (n_ + i) * m] = jb[3];
  }
  return true;
}

bool ml_network::jvp(double, const double* y, const double* v, double* out) {
  linearise(y, lin_);
  return jvp_apply(v, out) == 0;
}

int ml_network::jvp_setup(double, const double* y) {
  linearise(y, lin_);
  for (double x : lin_)
    if (!std::isfinite(x)) return 1;
  return 0;
}

namespace {

// Invert a k x k block (k <= 3, row-major) in place by Gauss-Jordan with partial pivoting;
// false if it is singular.
bool invert_small(double* a, int k) {
  double inv[9] = {};
  for (int i = 0; i < k; ++i) inv[i * k + i] = 1;
  for (int c = 0; c < k; ++c) {
    int p = c;
    for (int r = c + 1; r < k; ++r)
      if (std::abs(a[r * k + c]) > std::abs(a[p * k + c])) p = r;
    if (!(std::abs(a[p * k + c]) > 0) || !std::isfinite(a[p * k + c])) return false;
    for (int j = 0; j < k; ++j) {
      std::swap(a[c * k + j], a[p * k + j]);
      std::swap(inv[c * k + j], inv[p * k + j]);
    }
    const double d = a[c * k + c];
    for (int j = 0; j < k; ++j) {
      a[c * k + j] /= d;
      inv[c * k + j] /= d;
    }
    for (int r = 0; r < k; ++r) {
      if (r == c) continue;
      const double f = a[r * k + c];
      for (int j = 0; j < k; ++j) {
        a[r * k + j] -= f * a[c * k + j];
        inv[r * k + j] -= f * inv[c * k + j];
      }
    }
  }
  std::copy(inv, inv + k * k, a);
  return true;
}

}  // namespace

int ml_network::precondition_setup(double, const double* y, double gamma) {
  linearise(y, prec_lin_);
  const std::size_t n = n_;
  const double* a = prec_lin_.data();
  const double* b = a + n;
  const double* c = b + n;
  const double* d = c + n;
  const double* e = d + n;
  if (!p_.kinetic) {
    // I - gamma J over (V_i, w_i), the self-coupling e_i W_rec[i][i] included, inverted in
    // closed form.
    prec_.resize(4 * n);
    double* p00 = prec_.data();
    double* p01 = p00 + n;
    double* p10 = p01 + n;
    double* p11 = p10 + n;
    for (std::size_t i = 0; i < n; ++i) {
      const double m00 = 1 - gamma * (a[i] + e[i] * w_rec_[i * n + i]), m01 = -gamma * b[i],
                   m10 = -gamma * c[i], m11 = 1 - gamma * d[i];
      const double det = m00 * m11 - m01 * m10;
      if (!(std::abs(det) > 0) || !std::isfinite(det)) return 1;  // ask CVODE for a smaller step
      p00[i] = m11 / det;
      p01[i] = -m01 / det;
      p10[i] = -m10 / det;
      p11[i] = m00 / det;
    }
    return 0;
  }
  const double* sv = e + n;
  const double* ss = sv + n;
  prec_.assign(9 * n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    // J restricted to neuron i's (V, w, s), then I - gamma J, then its inverse.
    const double jb[9] = {a[i], b[i], e[i] * w_rec_[i * n + i], c[i], d[i], 0, sv[i], 0, ss[i]};
    double* block = prec_.data() + 9 * i;
    for (int r = 0; r < 3; ++r)
      for (int k = 0; k < 3; ++k) block[r * 3 + k] = (r == k ? 1.0 : 0.0) - gamma * jb[r * 3 + k];
    if (!invert_small(block, 3)) return 1;
  }
  return 0;
}

int ml_network::precondition_solve(const double* r, double* z) {
  return apply_preconditioner(r, z, false);
}

int ml_network::precondition_solve_transposed(const double* r, double* z) {
  return apply_preconditioner(r, z, true);
}

int ml_network::apply_preconditioner(const double* r, double* z, bool transpose) const {
  const std::size_t n = n_;
  if (!p_.kinetic) {
    const double* p00 = prec_.data();
    const double* p01 = p00 + (transpose ? 2 * n : n);
    const double* p10 = p00 + (transpose ? n : 2 * n);
    const double* p11 = p00 + 3 * n;
    for (std::size_t i = 0; i < n; ++i) {
      const double rv = r[i], rw = r[n + i];
      z[i] = p00[i] * rv + p01[i] * rw;
      z[n + i] = p10[i] * rv + p11[i] * rw;
    }
    return 0;
  }
  for (std::size_t i = 0; i < n; ++i) {
    const double* inv = prec_.data() + 9 * i;
    double rb[3], zb[3] = {};
    for (std::size_t k = 0; k < 3; ++k) rb[k] = r[k * n + i];
    for (int k = 0; k < 3; ++k)
      for (int l = 0; l < 3; ++l) zb[k] += (transpose ? inv[l * 3 + k] : inv[k * 3 + l]) * rb[l];
    for (std::size_t k = 0; k < 3; ++k) z[k * n + i] = zb[k];
  }
  return 0;
}

void ml_network::semi_implicit_step(std::span<double> v, std::span<double> w,
                                    std::span<double> t_prev, double dt) {
  semi_implicit_steps(1, v, w, t_prev, drive_, dt);
}

}  // namespace esbio::models
