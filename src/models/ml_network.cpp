#include "esbio/models/ml_network.hpp"

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
    : n_(n), p_(p), drive_(n, 0.0), t_(n), z_(n) {}

void ml_network::bind_recurrent(std::span<const double> w_rec) {
  if (w_rec.size() != n_ * n_) throw std::invalid_argument("ml_network: W_rec must be N x N");
  w_rec_ = w_rec;
}

void ml_network::set_drive(std::span<const double> drive) {
  if (drive.size() != n_) throw std::invalid_argument("ml_network: drive must have N entries");
  drive_.assign(drive.begin(), drive.end());
}

void ml_network::coupling(const double* t) const {
  for (std::size_t i = 0; i < n_; ++i) z_[i] = drive_[i];
  // Row by row of W_rec: contiguous, vectorisable.
  for (std::size_t j = 0; j < n_; ++j) {
    const double tj = t[j];
    const double* row = w_rec_.data() + j * n_;
    for (std::size_t i = 0; i < n_; ++i) z_[i] += tj * row[i];
  }
}

int ml_network::rhs(double, const double* y, double* ydot) const {
  const double* v = y;
  const double* w = y + n_;
  if (p_.kinetic) {
    const double* s = y + 2 * n_;
    coupling(s);  // z_i = drive_i + sum_j s_j W[j][i]: the synaptic conductance sum (plus drive)
    for (std::size_t i = 0; i < n_; ++i) {
      const double g_syn = p_.syn_gain * (z_[i] - drive_[i]);
      const double current =
          (p_.iapp + drive_[i]) * p_.input_gain + p_.input_bias + g_syn * (p_.e_syn - v[i]);
      const auto l = p_.neuron.local(v[i], w[i], current);
      const double t = p_.output(v[i]);
      ydot[i] = l.dv;
      ydot[n_ + i] = l.dw;
      ydot[2 * n_ + i] = p_.alpha * t * (1 - s[i]) - p_.beta * s[i];
    }
    return 0;
  }
  for (std::size_t j = 0; j < n_; ++j) t_[j] = p_.output(v[j]);
  coupling(t_.data());
  for (std::size_t i = 0; i < n_; ++i) {
    const double current = (p_.iapp + z_[i]) * p_.input_gain + p_.input_bias;
    const auto l = p_.neuron.local(v[i], w[i], current);
    ydot[i] = l.dv;
    ydot[n_ + i] = l.dw;
  }
  return 0;
}

bool ml_network::jacobian(double, const double* y, double* jac) const {
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
      const auto l = p_.neuron.local(v[i], w[i], current);
      jac[i + i * m] = l.dv_dv - g_syn * inv_c;
      jac[i + (n_ + i) * m] = l.dv_dw;
      jac[(n_ + i) + i * m] = l.dw_dv;
      jac[(n_ + i) + (n_ + i) * m] = l.dw_dw;
      const double t = p_.output(v[i]);
      jac[(2 * n_ + i) + i * m] = p_.alpha * p_.output_slope(v[i]) * (1 - s[i]);
      jac[(2 * n_ + i) + (2 * n_ + i) * m] = -p_.alpha * t - p_.beta;
    }
    return true;
  }
  const std::size_t m = 2 * n_;
  const double g = p_.input_gain / p_.neuron.C;
  for (std::size_t j = 0; j < n_; ++j) t_[j] = p_.output(v[j]);
  coupling(t_.data());
  // V-V block, column j: dfV_i/dV_j = g W_rec[j][i] T'(V_j).
  for (std::size_t j = 0; j < n_; ++j) {
    const double s = g * p_.output_slope(v[j]);
    const double* row = w_rec_.data() + j * n_;
    double* col = jac + j * m;
    for (std::size_t i = 0; i < n_; ++i) col[i] = s * row[i];
  }
  for (std::size_t i = 0; i < n_; ++i) {
    const double current = (p_.iapp + z_[i]) * p_.input_gain + p_.input_bias;
    const auto l = p_.neuron.local(v[i], w[i], current);
    jac[i + i * m] += l.dv_dv;
    jac[i + (n_ + i) * m] = l.dv_dw;
    jac[(n_ + i) + i * m] = l.dw_dv;
    jac[(n_ + i) + (n_ + i) * m] = l.dw_dw;
  }
  return true;
}

int ml_network::precondition_setup(double, const double* y, double gamma) {
  const double* v = y;
  const double* w = y + n_;
  const double g = p_.input_gain / p_.neuron.C;
  for (std::size_t j = 0; j < n_; ++j) t_[j] = p_.output(v[j]);
  coupling(t_.data());
  prec_.resize(4 * n_);
  for (std::size_t i = 0; i < n_; ++i) {
    const double current = (p_.iapp + z_[i]) * p_.input_gain + p_.input_bias;
    const auto l = p_.neuron.local(v[i], w[i], current);
    const double self = g * w_rec_[i * n_ + i] * p_.output_slope(v[i]);
    const double a = 1 - gamma * (l.dv_dv + self), b = -gamma * l.dv_dw;
    const double c = -gamma * l.dw_dv, d = 1 - gamma * l.dw_dw;
    const double det = a * d - b * c;
    if (!std::isfinite(det) || det == 0) return 1;  // ask CVODE for a smaller step
    double* inv = prec_.data() + 4 * i;
    inv[0] = d / det;
    inv[1] = -b / det;
    inv[2] = -c / det;
    inv[3] = a / det;
  }
  return 0;
}

int ml_network::precondition_solve(const double* r, double* z) const {
  for (std::size_t i = 0; i < n_; ++i) {
    const double* inv = prec_.data() + 4 * i;
    const double rv = r[i], rw = r[n_ + i];
    z[i] = inv[0] * rv + inv[1] * rw;
    z[n_ + i] = inv[2] * rv + inv[3] * rw;
  }
  return 0;
}

void ml_network::semi_implicit_step(std::span<double> v, std::span<double> w,
                                    std::span<double> t_prev, double dt) const {
  semi_implicit_steps(1, v, w, t_prev, drive_, dt);
}

}  // namespace esbio::models
