#pragma once
// The tests' Morris-Lecar network: task B's network (one population of N neurons, the paper's
// input map and output) as the models layer builds it from a network_description
// (models/network.hpp), with the scheme's state split into V and w arrays as the tests' formulas
// write it. Every call goes to the network itself; this only packs and unpacks.

#include <algorithm>
#include <memory>
#include <span>
#include <vector>

#include "esbio/models/morris_lecar.hpp"
#include "esbio/models/network.hpp"

namespace esbio::testing {

struct ml_net_params {
  models::morris_lecar::params neuron;
  double iapp = 0.1, input_gain = 36.75, input_bias = 39.9, vt = -3, kp = 8;
  bool kinetic = false;
  double alpha = 12, beta = 0.1, e_syn = 0, syn_gain = 1;
  bool float32_weights = false;
};

template <class P>
ml_net_params ml_params_of(const P& p) {
  ml_net_params q;
  for (const auto& k : models::morris_lecar::constants())
    q.neuron.*(k.member) = p.neuron.value(k.name);
  q.iapp = p.iapp;
  q.input_gain = p.input_gain;
  q.input_bias = p.input_bias;
  q.vt = p.vt;
  q.kp = p.kp;
  q.kinetic = p.kinetic;
  q.alpha = p.alpha;
  q.beta = p.beta;
  q.e_syn = p.e_syn;
  q.syn_gain = p.syn_gain;
  return q;
}

inline models::network_description ml_description(std::size_t n, const ml_net_params& p) {
  models::population pop;
  pop.name = "neurons";
  pop.count = n;
  for (const auto& k : models::morris_lecar::constants())
    pop.constants[k.name] = {p.neuron.*(k.member)};
  pop.e_syn = p.e_syn;
  pop.alpha = p.alpha;
  pop.beta = p.beta;
  models::network_description d;
  d.populations.push_back(pop);
  d.coupling = p.kinetic ? models::coupling_kind::conductance : models::coupling_kind::current;
  d.syn_gain = p.syn_gain;
  d.w_rec.assign(n * n, 0.0);
  d.input_gain = p.input_gain;
  d.input_offset = p.input_bias;
  d.iapp = p.iapp;
  d.vt = p.vt;
  d.kp = p.kp;
  return d;
}

class ml_network final : public ode::system {
 public:
  explicit ml_network(std::size_t n, const ml_net_params& p = {})
      : desc_(ml_description(n, p)),
        net_(models::make_network(desc_, {.float32_weights = p.float32_weights})),
        drive_(n, 0.0) {}

  models::network& engine() { return *net_; }
  std::size_t neurons() const { return net_->neurons(); }
  double output(double v) const { return net_->output(v); }
  double output_slope(double v) const { return net_->output_slope(v); }
  void bind_recurrent(std::span<const double> w) { net_->bind_recurrent(w); }
  void set_drive(std::span<const double> d) {
    drive_.assign(d.begin(), d.end());
    net_->set_drive(d);
  }

  std::size_t size() const override { return net_->size(); }
  int rhs(double t, const double* y, double* yd) override { return net_->rhs(t, y, yd); }
  bool jacobian(double t, const double* y, double* j) override { return net_->jacobian(t, y, j); }
  bool has_preconditioner() const override { return true; }
  int precondition_setup(double t, const double* y, double g) override {
    return net_->precondition_setup(t, y, g);
  }
  int precondition_solve(const double* r, double* z) override {
    return net_->precondition_solve(r, z);
  }
  bool has_transposed_preconditioner() const override { return true; }
  int precondition_solve_transposed(const double* r, double* z) override {
    return net_->precondition_solve_transposed(r, z);
  }
  bool jvp(double t, const double* y, const double* v, double* out) override {
    return net_->jvp(t, y, v, out);
  }
  bool has_jvp() const override { return true; }
  int jvp_setup(double t, const double* y) override { return net_->jvp_setup(t, y); }
  int jvp_apply(const double* v, double* out) override { return net_->jvp_apply(v, out); }
  std::size_t parameter_count() const override { return net_->parameter_count(); }
  bool vjp(double t, const double* y, const double* l, double* oy, double* op) override {
    return net_->vjp(t, y, l, oy, op);
  }

  // One step of the scheme for one trial with the drive of set_drive().
  void semi_implicit_step(std::span<double> v, std::span<double> w, std::span<double> t,
                          double dt) {
    steps<double>(1, v, w, t, drive_, dt);
  }
  void semi_implicit_steps(std::size_t trials, std::span<double> v, std::span<double> w,
                           std::span<double> t, std::span<const double> drive, double dt) {
    steps<double>(trials, v, w, t, drive, dt);
  }
  void semi_implicit_steps(std::size_t trials, std::span<float> v, std::span<float> w,
                           std::span<float> t, std::span<const float> drive, double dt) {
    steps<float>(trials, v, w, t, drive, dt);
  }
  void semi_implicit_steps_vjp(std::size_t trials, std::span<const double> v,
                               std::span<const double> w, std::span<const double> t,
                               std::span<const double> v1, std::span<const double> w1,
                               std::span<const double> t1, double dt, std::span<double> lv,
                               std::span<double> lw, std::span<double> lt, std::span<double> gd,
                               std::span<double> gw) {
    steps_vjp<double>(trials, v, w, t, v1, w1, t1, dt, lv, lw, lt, gd, gw);
  }
  void semi_implicit_steps_vjp(std::size_t trials, std::span<const float> v,
                               std::span<const float> w, std::span<const float> t,
                               std::span<const float> v1, std::span<const float> w1,
                               std::span<const float> t1, double dt, std::span<float> lv,
                               std::span<float> lw, std::span<float> lt, std::span<float> gd,
                               std::span<float> gw) {
    steps_vjp<float>(trials, v, w, t, v1, w1, t1, dt, lv, lw, lt, gd, gw);
  }

 private:
  template <class real>
  void steps(std::size_t trials, std::span<real> v, std::span<real> w, std::span<real> t,
             std::span<const real> drive, double dt) {
    std::vector<real> x(v.begin(), v.end());
    x.insert(x.end(), w.begin(), w.end());
    net_->steps(trials, std::span<real>(x), t, drive, dt);
    std::copy_n(x.begin(), v.size(), v.begin());
    std::copy(x.begin() + static_cast<std::ptrdiff_t>(v.size()), x.end(), w.begin());
  }
  template <class real>
  void steps_vjp(std::size_t trials, std::span<const real> v, std::span<const real> w,
                 std::span<const real> t, std::span<const real> v1, std::span<const real> w1,
                 std::span<const real> t1, double dt, std::span<real> lv, std::span<real> lw,
                 std::span<real> lt, std::span<real> gd, std::span<real> gw) {
    const auto joined = [](auto a, auto b) {
      std::vector<real> x(a.begin(), a.end());
      x.insert(x.end(), b.begin(), b.end());
      return x;
    };
    const auto x = joined(v, w), x1 = joined(v1, w1);
    auto l = joined(lv, lw);
    net_->steps_vjp(trials, std::span<const real>(x), t, std::span<const real>(x1), t1, dt,
                    std::span<real>(l), lt, gd, gw);
    std::copy_n(l.begin(), lv.size(), lv.begin());
    std::copy(l.begin() + static_cast<std::ptrdiff_t>(lv.size()), l.end(), lw.begin());
  }
  models::network_description desc_;
  std::unique_ptr<models::network> net_;
  std::vector<double> drive_;
};

}  // namespace esbio::testing
