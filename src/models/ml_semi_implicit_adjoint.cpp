// The reverse of one step of the paper's fixed-step scheme (ml_network_kernels.cpp), batched over
// trials, for BPTT (task B with integrator = fixed). The forward step, per trial and neuron, with
// h = dt/2, m = m_inf(V), wi = w_inf(V), tau = 1/(phi cosh((V - V3)/(2 V4))):
//
//   z   = d + T_prev W_rec                                   (lagged coupling)
//   w+  = (wi dt + (tau - h) w) / (tau + h)
//   g   = (gCa m + gK w+ + gL) / C,   e = (gCa ECa m + gK EK w+ + gL EL) / C
//   c   = (z gain + bias + Iapp gain) / C
//   V+  = (V (1 - h g) + dt (e + c)) / D,   D = 1 + h g
//   T+  = sigmoid((V+ - Vt) / Kp)
//
// Given the adjoints (lV, lw, lT) of (V+, w+, T+), the adjoints of the step's inputs are
//
//   q    = (lV + lT T+ (1 - T+) / Kp) / D                    (everything that reaches V+)
//   lz   = q dt gain / C
//   lg   = -q h (V + V+),   le = q dt                         (dV+/dg = -h (V + V+) / D)
//   lw+  = lw + gK (lg + EK le) / C,   lm = gCa (lg + ECa le) / C
//   lw'  = lw+ (tau - h) / (tau + h)
//   lV'  = q (1 - h g) + lm m'(V)
//          + lw+ (dt wi'(V) + (w - w+) dtau/dV) / (tau + h),  dtau/dV = -tau tanh(x) / (2 V4)
//   lT'  = lz W_rec^T,   dL/dW_rec += T_prev^T lz,   dL/dd += lz
//
// The partials come from the forward's exponentials (ml_network_kernels.cpp): with
// x = (V - V3)/(2 V4), y = (V - V1)/V2, u = e^{-|x|}, s = e^{-2|y|},
//   m = 1/(1 + e^{-2y}),  m' = 2 m (1 - m) / V2,   wi = 1/(1 + e^{-4x}),  wi' = 2 wi (1 - wi) / V4,
//   tau = 2u / (phi (1 + u^2)),  tanh(x) = sign(x) (1 - u^2) / (1 + u^2),
// two exps and three reciprocals in place of three tanh, a cosh and three divisions.
//
// (primes: the adjoints of the pre-step state). T_prev reaches the step only through z, so lT'
// is the coupling term alone; the caller adds the readout's dL/dT of that earlier step.
// The two coupling products share one pass over W_rec and dL/dW_rec per four trials, like the
// forward (both are bound by loads from cache, not by arithmetic). Compiled with -ffast-math
// -fopenmp-simd like the forward, for libmvec's vector exp.
#include <algorithm>
#include <cmath>
#include <type_traits>

#include "esbio/models/ml_network.hpp"

namespace esbio::models {

namespace {

// lt[b][j] = sum_i W[j][i] lz[b][i] and gw[j][i] += sum_b tp[b][j] lz[b][i], for four trials
// b at once: the reduction and the rank-4 update of row j share one sweep over it.
template <class real>
void coupling_reverse4(std::size_t n, const real* wr, const real* tp, const real* lz, real* lt,
                       real* gw) {
  const real *l0 = lz, *l1 = lz + n, *l2 = lz + 2 * n, *l3 = lz + 3 * n;
  for (std::size_t j = 0; j < n; ++j) {
    const real* row = wr + j * n;
    real* grow = gw + j * n;
    const real t0 = tp[j], t1 = tp[n + j], t2 = tp[2 * n + j], t3 = tp[3 * n + j];
    real a0 = 0, a1 = 0, a2 = 0, a3 = 0;
#pragma omp simd reduction(+ : a0, a1, a2, a3)
    for (std::size_t i = 0; i < n; ++i) {
      const real r = row[i];
      a0 += r * l0[i];
      a1 += r * l1[i];
      a2 += r * l2[i];
      a3 += r * l3[i];
      grow[i] += t0 * l0[i] + t1 * l1[i] + t2 * l2[i] + t3 * l3[i];
    }
    lt[j] = a0;
    lt[n + j] = a1;
    lt[2 * n + j] = a2;
    lt[3 * n + j] = a3;
  }
}

template <class real>
void coupling_reverse1(std::size_t n, const real* wr, const real* tp, const real* lz, real* lt,
                       real* gw) {
  for (std::size_t j = 0; j < n; ++j) {
    const real* row = wr + j * n;
    real* grow = gw + j * n;
    const real t0 = tp[j];
    real a0 = 0;
#pragma omp simd reduction(+ : a0)
    for (std::size_t i = 0; i < n; ++i) {
      a0 += row[i] * lz[i];
      grow[i] += t0 * lz[i];
    }
    lt[j] = a0;
  }
}

}  // namespace

template <class real>
void ml_network::steps_vjp(std::size_t trials, const real* v, const real* w, const real* t_prev,
                           const real* v_new, const real* w_new, const real* t_new, double dt,
                           real* lv, real* lw, real* lt, real* grad_drive, real* grad_w_rec) {
  const std::size_t n = n_, total = trials * n;
  auto& lzv = [this]() -> std::vector<real>& {
    if constexpr (std::is_same_v<real, float>)
      return lz_f_;
    else
      return lz_;
  }();
  lzv.resize(total);
  real* lz = lzv.data();
  const auto kc = morris_lecar::prepare<real>(p_.neuron, dt);
  const real inv_kp = real(1 / p_.kp);
  const real z_gain = real(dt * p_.input_gain / p_.neuron.C);
  real* gd = grad_drive;
#pragma omp simd
  for (std::size_t k = 0; k < total; ++k) {
    const real tnk = t_new[k];
    lv[k] = lv[k] + lt[k] * tnk * (1 - tnk) * inv_kp;
    const real a =
        morris_lecar::step_vjp(kc, state_view<const real>{v + k, std::size_t(w - v)},
                               state_view<const real>{v_new + k, std::size_t(w_new - v_new)},
                               state_view<real>{lv + k, std::size_t(lw - lv)});
    lz[k] = a * z_gain;
    gd[k] += lz[k];
  }
  const real* wr = [this] {
    if constexpr (std::is_same_v<real, float>)
      return fixed_f_.rows.data();
    else
      return fixed_d_.rows.data();
  }();  // W_rec as the forward read it
  const real* tp = t_prev;
  real* gw = grad_w_rec;
  std::size_t b = 0;
  for (; b + 4 <= trials; b += 4) coupling_reverse4(n, wr, tp + b * n, lz + b * n, lt + b * n, gw);
  for (; b < trials; ++b) coupling_reverse1(n, wr, tp + b * n, lz + b * n, lt + b * n, gw);
}

void ml_network::semi_implicit_steps_vjp(std::size_t trials, std::span<const double> v,
                                         std::span<const double> w, std::span<const double> t_prev,
                                         std::span<const double> v_new,
                                         std::span<const double> w_new,
                                         std::span<const double> t_new, double dt,
                                         std::span<double> lambda_v, std::span<double> lambda_w,
                                         std::span<double> lambda_t, std::span<double> grad_drive,
                                         std::span<double> grad_w_rec) {
  steps_vjp(trials, v.data(), w.data(), t_prev.data(), v_new.data(), w_new.data(), t_new.data(), dt,
            lambda_v.data(), lambda_w.data(), lambda_t.data(), grad_drive.data(),
            grad_w_rec.data());
}

void ml_network::semi_implicit_steps_vjp(std::size_t trials, std::span<const float> v,
                                         std::span<const float> w, std::span<const float> t_prev,
                                         std::span<const float> v_new, std::span<const float> w_new,
                                         std::span<const float> t_new, double dt,
                                         std::span<float> lambda_v, std::span<float> lambda_w,
                                         std::span<float> lambda_t, std::span<float> grad_drive,
                                         std::span<float> grad_w_rec) {
  steps_vjp(trials, v.data(), w.data(), t_prev.data(), v_new.data(), w_new.data(), t_new.data(), dt,
            lambda_v.data(), lambda_w.data(), lambda_t.data(), grad_drive.data(),
            grad_w_rec.data());
}

}  // namespace esbio::models
