// Vector-Jacobian products of the network's right-hand side, for the continuous adjoint.
// p = (W_rec as bound, N x N row-major, then the drive d = x W_inp of the current token, N).
// With l = (l_V, l_w[, l_s]), a = input_gain / C, and the single-neuron partials of
// morris_lecar.hpp (dv_dv, dv_dw, dw_dv, dw_dw at neuron i, as linearise() computes them):
//
// Current coupling, fV_i = ((Iapp + d_i + sum_j T_j W[j][i]) gain + bias - ionic_i) / C:
//   (J^T l)_V_j = dv_dv_j l_V_j + dw_dv_j l_w_j + a T'(V_j) sum_i W[j][i] l_V_i
//   (J^T l)_w_i = dv_dw_i l_V_i + dw_dw_i l_w_i
//   dL/dW[j][i] = a T_j l_V_i,   dL/dd_i = a l_V_i.
//
// Kinetic synapse, g_i = syn_gain sum_j s_j W[j][i], fV_i gains g_i (E_syn - V_i) / C and
// fs_i = alpha T(V_i) (1 - s_i) - beta s_i; with u_i = syn_gain (E_syn - V_i) l_V_i / C:
//   (J^T l)_V_i = (dv_dv_i - g_i / C) l_V_i + dw_dv_i l_w_i + alpha T'(V_i) (1 - s_i) l_s_i
//   (J^T l)_w_i = dv_dw_i l_V_i + dw_dw_i l_w_i
//   (J^T l)_s_j = sum_i W[j][i] u_i - (alpha T_j + beta) l_s_j
//   dL/dW[j][i] = s_j u_i,   dL/dd_i = a l_V_i.
//
// Both sums over i run along a row of W_rec, so J^T l costs one pass over W_rec and no N x N
// temporary, the same as rhs().
#include <algorithm>

#include "esbio/models/ml_network.hpp"

namespace esbio::models {

namespace {

double dot(const double* a, const double* b, std::size_t n) {
  double s = 0;
  for (std::size_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

}  // namespace

bool ml_network::vjp(double, const double* y, const double* lambda, double* out_y, double* out_p) {
  const std::size_t n = n_;
  const double* lv = lambda;
  const double* lw = lambda + n;
  const double* wr = w_rec_.data();
  // The same partials as the Krylov product and the preconditioner (ml_network_kernels.cpp),
  // with T(V) into t_; a scratch of its own, so the forward's cached linearisation survives.
  linearise(y, adj_lin_);
  const double* a = adj_lin_.data();
  const double* b = a + n;
  const double* c = b + n;
  const double* d = c + n;
  const double* e = d + n;
  const double gain = p_.input_gain / p_.neuron.C;
  if (p_.kinetic) {
    const double* s = y + 2 * n;
    const double* ls = lambda + 2 * n;
    const double* sv = e + n;
    const double* ss = sv + n;
    double* u = z_.data();  // u_i = syn_gain (E_syn - V_i) l_V_i / C
    for (std::size_t i = 0; i < n; ++i) u[i] = e[i] * lv[i];
    if (out_y)
      for (std::size_t i = 0; i < n; ++i) {
        out_y[i] = a[i] * lv[i] + c[i] * lw[i] + sv[i] * ls[i];
        out_y[n + i] = b[i] * lv[i] + d[i] * lw[i];
        out_y[2 * n + i] = dot(wr + i * n, u, n) + ss[i] * ls[i];
      }
    if (out_p)
      for (std::size_t j = 0; j < n; ++j)
        for (std::size_t i = 0; i < n; ++i) out_p[j * n + i] = s[j] * u[i];
  } else {
    if (out_y)
      for (std::size_t j = 0; j < n; ++j) {
        out_y[j] = a[j] * lv[j] + c[j] * lw[j] + e[j] * dot(wr + j * n, lv, n);
        out_y[n + j] = b[j] * lv[j] + d[j] * lw[j];
      }
    if (out_p)
      for (std::size_t j = 0; j < n; ++j) {
        const double tj = gain * t_[j];
        for (std::size_t i = 0; i < n; ++i) out_p[j * n + i] = tj * lv[i];
      }
  }
  if (out_p)
    for (std::size_t i = 0; i < n; ++i) out_p[n * n + i] = gain * lv[i];
  return true;
}

}  // namespace esbio::models
