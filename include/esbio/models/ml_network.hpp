#pragma once
// The recurrent Morris-Lecar network of task B (docs/science.md 1.2; Hazelden et al. 2023,
// networks.py): N neurons (models/morris_lecar.hpp, C = 20, EL = -60) coupled by current,
//
//   I_i(t) = (Iapp + z_i(t)) * 36.75 + 39.9,   z(t) = x(t) W_inp + T(V(t)) W_rec,
//   T(V) = sigmoid((V - Vt) / Kp),  Vt = -3 mV, Kp = 8 mV,  Iapp = 0.1,
//
// with x(t) the token embedding held piecewise constant (the caller stops the solver at every
// token boundary and sets the new drive x W_inp). The affine map of I is the reference code's
// rescaling of the input range. State layout: y = (V_1..V_N, w_1..w_N).
// Jacobian: dfV_i/dV_j = 36.75/C W_rec[j][i] T'(V_j) (dense V-V block) plus the single-neuron
// terms on the diagonals of the four N x N blocks. With the kinetic synapse the state is
// (V, w, s), the coupling moves to a dense V-s block, dfV_i/ds_j = syn_gain
// W_rec[j][i](E_syn-V_i)/C.
//
// Adjoint: vjp() with p = (W_rec, N x N row-major exactly as bound, then the N drive values
// x W_inp of the current token), parameter_count() = N^2 + N, in both synapse modes
// (equations in src/models/ml_network_adjoint.cpp). semi_implicit_steps_vjp() is the exact
// reverse of one step of the fixed scheme, for BPTT (src/models/ml_semi_implicit_adjoint.cpp).
//
// semi_implicit_step() is the paper's fixed-step scheme (docs/science.md 1.4): w by a
// trapezoid-like update linear in w, then V by Crank-Nicolson with the conductances frozen at the
// new w and the coupling lagged by one step (T from the previous step). It is a first-order
// approximation of the continuous model, reproduced step for step for a faithful reproduction of
// the paper.

#include <span>
#include <vector>

#include "esbio/models/morris_lecar.hpp"
#include "esbio/ode/system.hpp"

namespace esbio::models {

struct network_params {
  morris_lecar::params neuron;  // defaults: C = 20, EL = -60
  double iapp = 0.1, input_gain = 36.75, input_bias = 39.9;
  double vt = -3, kp = 8;
  // The stiffness knob (docs/science.md 1.2, beyond the paper): a kinetic synapse per neuron,
  //   ds_i/dt = alpha T(V_i) (1 - s_i) - beta s_i,   I_syn,i = syn_gain sum_j W_rec[j][i] s_j
  //   (E_syn - V_i),
  // replacing the current coupling T W_rec. Large alpha (~12 /ms) makes the network stiff.
  bool kinetic = false;
  double alpha = 12, beta = 0.1, e_syn = 0, syn_gain = 1;
  // The model with W_rec rounded to float32 (task.precision = float32 on the continuous model):
  // every path (rhs, Jacobian, J v, vjp, blocks) reads the same rounded values, and the coupling
  // product sums in float (its inputs rounded to float, the sums widened back), twice the
  // vector width and no widening of each weight. The state, the solver and the rest of the
  // arithmetic stay float64; the product's sums are within float's rounding of the float64
  // model on the rounded weights (tests/unit/test_ml_network_float32.cpp bounds them).
  bool float32_weights = false;
  double output(double v) const;        // T(V)
  double output_slope(double v) const;  // T'(V)
};

class ml_network final : public ode::system {
 public:
  ml_network(std::size_t n, network_params p = {});

  // W_rec, N x N row-major (z_i = sum_j T_j W_rec[j][i]); must outlive the solves using it.
  // The fixed-step scheme and its reverse use a copy made here (in its panel layout, in float64
  // and float32), as does the float32_weights model: after changing W_rec, bind it again.
  void bind_recurrent(std::span<const double> w_rec);
  // x W_inp of the current token (N values).
  void set_drive(std::span<const double> drive);

  std::size_t neurons() const { return n_; }
  const network_params& params() const { return p_; }
  std::size_t size() const override { return (p_.kinetic ? 3 : 2) * n_; }
  int rhs(double t, const double* y, double* ydot) override;
  bool jacobian(double t, const double* y, double* jac) override;

  // p = (W_rec[0][0], W_rec[0][1], ..., W_rec[N-1][N-1], drive_0, ..., drive_{N-1}).
  std::size_t parameter_count() const override { return n_ * n_ + n_; }
  bool vjp(double t, const double* y, const double* lambda, double* out_y, double* out_p) override;

  // Analytic J v for GMRES. jvp_setup evaluates the per-neuron partials and T'(V) (every
  // transcendental of the linearisation) once per Newton iteration, so that each Krylov
  // iteration's product is one N x N matrix-vector product plus O(N). jvp() does both and
  // overwrites what jvp_setup cached.
  bool jvp(double t, const double* y, const double* v, double* out) override;
  bool has_jvp() const override { return true; }
  int jvp_setup(double t, const double* y) override;
  int jvp_apply(const double* v, double* out) override;

  // Block-diagonal preconditioner for GMRES: per neuron, the 2 x 2 (or, with the kinetic synapse,
  // 3 x 3) block of I - gamma J over its own states (its self-coupling included); the coupling
  // between neurons is left to the Krylov iteration.
  bool has_preconditioner() const override { return true; }
  int precondition_setup(double t, const double* y, double gamma) override;
  int precondition_solve(const double* r, double* z) override;
  bool has_transposed_preconditioner() const override { return true; }
  int precondition_solve_transposed(const double* r, double* z) override;

  // One step of the paper's scheme, in place; t_prev holds T of the previous step and becomes T
  // of the new V. Uses the drive set by set_drive().
  void semi_implicit_step(std::span<double> v, std::span<double> w, std::span<double> t_prev,
                          double dt);
  // W_rec as the fixed-step scheme reads it: row-major and in column panels for the batched
  // product (ml_network_kernels.cpp).
  template <class real>
  struct fixed_weights {
    std::vector<real> rows, panels;
  };

  // z (trials x N) += t (trials x N) W_rec: the fixed-step scheme's coupling product, exposed for
  // bench/src/coupling.cpp. Instantiated for double and float.
  template <class real>
  void coupling_product(std::size_t trials, const real* t, real* z) const;

  // The same step for `trials` independent trials at once (the way ES evaluates a batch):
  // v, w, t_prev and drive are trials x N, row-major (drive: x W_inp of each trial's token).
  // In float64 or float32: the same code (ml_network_kernels.cpp), templated on the scalar.
  void semi_implicit_steps(std::size_t trials, std::span<double> v, std::span<double> w,
                           std::span<double> t_prev, std::span<const double> drive, double dt);
  void semi_implicit_steps(std::size_t trials, std::span<float> v, std::span<float> w,
                           std::span<float> t_prev, std::span<const float> drive, double dt);
  // Reverse of semi_implicit_steps() for BPTT. (v, w, t_prev) is the state before the step,
  // (v_new, w_new, t_new) the state it produced (all trials x N). On entry lambda_v, lambda_w,
  // lambda_t hold dL/d(v_new, w_new, t_new); on return dL/d(v, w, t_prev). dL/d drive is added
  // to grad_drive (trials x N) and dL/dW_rec to grad_w_rec (N x N, as bound). The float32
  // version is the same arithmetic in float.
  void semi_implicit_steps_vjp(std::size_t trials, std::span<const double> v,
                               std::span<const double> w, std::span<const double> t_prev,
                               std::span<const double> v_new, std::span<const double> w_new,
                               std::span<const double> t_new, double dt, std::span<double> lambda_v,
                               std::span<double> lambda_w, std::span<double> lambda_t,
                               std::span<double> grad_drive, std::span<double> grad_w_rec);
  void semi_implicit_steps_vjp(std::size_t trials, std::span<const float> v,
                               std::span<const float> w, std::span<const float> t_prev,
                               std::span<const float> v_new, std::span<const float> w_new,
                               std::span<const float> t_new, double dt, std::span<float> lambda_v,
                               std::span<float> lambda_w, std::span<float> lambda_t,
                               std::span<float> grad_drive, std::span<float> grad_w_rec);

 private:
  // z = P^-1 r or P^-T r with the blocks of the last precondition_setup.
  int apply_preconditioner(const double* r, double* z, bool transpose) const;
  // z_i = drive_i + sum_j t[j] W_rec[j][i], into z_.
  void coupling(const double* t);
  // dV/dt and dw/dt of every neuron for the given input currents, and T(V) into t_ (the hot loop
  // of the continuous model; vectorised in ml_network_kernels.cpp).
  void neuron_rates(const double* v, const double* w, const double* current, double* dv,
                    double* dw);
  void outputs(const double* v);  // t_ = T(V)
  // out_i = sum_j x_j W_rec[j][i], without the drive.
  void recurrent_product(const double* x, double* out) const;
  void pack_recurrent();  // fixed_d_ and fixed_f_ from w_rec_
  template <class real>
  void steps(std::size_t trials, real* v, real* w, real* t_prev, const real* drive, double dt);
  template <class real>
  void steps_vjp(std::size_t trials, const real* v, const real* w, const real* t_prev,
                 const real* v_new, const real* w_new, const real* t_new, double dt, real* lv,
                 real* lw, real* lt, real* grad_drive, real* grad_w_rec);
  // The partials of J at y into lin (see ml_network_kernels.cpp for the layout).
  void linearise(const double* y, std::vector<double>& lin);

  std::size_t n_;
  network_params p_;
  std::span<const double> w_rec_;  // the bound W_rec, or w_rounded_ with float32_weights
  // float32_weights: W_rec rounded to float and back, for every path but the coupling product,
  // which sums the floats themselves from fixed_f_.rows.
  std::vector<double> w_rounded_;
  fixed_weights<double> fixed_d_;
  fixed_weights<float> fixed_f_;
  std::vector<double> drive_;
  std::vector<double> t_, z_, zb_;  // scratch
  std::vector<float> zb_f_;
  // float32's coupling product: its input rounded and its float sums, N each (sized here, not
  // per call). Widening straight into double let GCC reassociate the sums under fast-math.
  mutable std::vector<float> product_in_, product_out_;
  std::vector<double> lz_;  // scratch of the adjoints: dL/dz, trials x N
  std::vector<float> lz_f_;
  std::vector<double> lin_, jv_;  // jvp linearisation and product scratch
  std::vector<double> adj_lin_;   // vjp's linearisation
  // The inverse blocks: with current coupling four N-vectors (entries 00, 01, 10, 11 of each
  // neuron's 2 x 2 inverse); with the kinetic synapse, per neuron a 3 x 3 inverse, row-major.
  // prec_lin_ is the linearisation they came from (its own, so that the Krylov product's stays).
  std::vector<double> prec_, prec_lin_;
};

}  // namespace esbio::models
