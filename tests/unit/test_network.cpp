// The network engine for every registered neuron model (models/network.hpp): the continuous
// model's Jacobian, Krylov product, block preconditioner and vector-Jacobian products against
// central differences and the dense Jacobian, and the fixed-step scheme's reverse against
// differences of the scheme, for two populations with different constants, current and
// conductance coupling.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "esbio/core/random.hpp"
#include "esbio/models/network.hpp"
#include "esbio/models/neuron_registry.hpp"
#include "esbio/ode/integrator.hpp"
#include "reference_file.hpp"

using namespace esbio;

namespace {

struct case_net {
  models::network_description desc;
  std::vector<double> y;  // a state with spiking and resting neurons
};

// Five neurons in two populations (the second with its own leak and, under conductance
// coupling, its own reversal potential: inhibitory), W ~ U(-0.4, 0.4).
case_net make_case(const std::string& model, bool conductance) {
  const auto& info = models::find_neuron_model(model);
  case_net c;
  auto& d = c.desc;
  models::population a, b;
  a.name = "e";
  a.model = b.model = model;
  a.count = 3;
  b.name = "i";
  b.count = 2;
  const double gl = info.defaults()[info.constant_index("gL")];
  b.constants["gL"] = {1.5 * gl};
  b.e_syn = -75;
  b.alpha = 3;
  d.populations = {a, b};
  d.coupling = conductance ? models::coupling_kind::conductance : models::coupling_kind::current;
  const std::size_t n = 5;
  d.w_rec.resize(n * n);
  random_stream(4, stream::init, 0, 0).fill_uniform(d.w_rec, -0.4, 0.4);
  const auto net = models::make_network(d);
  c.y.assign(net->size(), 0.0);
  const double volts[] = {-60, 15, -40, -20, 5};
  std::vector<double> one(info.states());
  for (std::size_t i = 0; i < n; ++i) {
    net->initial_state(i, volts[i], one);
    for (std::size_t s = 0; s < one.size(); ++s) c.y[s * n + i] = one[s];
  }
  for (std::size_t s = 1; s < info.states(); ++s) c.y[s * n + 1] *= 0.9;  // off steady state
  if (conductance)
    for (std::size_t j = 0; j < n; ++j) c.y[info.states() * n + j] = 0.1 + 0.15 * double(j);
  return c;
}

double worst_relative(const std::vector<double>& a, const std::vector<double>& b, double floor) {
  double w = 0;
  for (std::size_t k = 0; k < a.size(); ++k)
    w = std::max(w, std::abs(a[k] - b[k]) / std::max(floor, std::abs(b[k])));
  return w;
}

}  // namespace

TEST_CASE("every model's network: Jacobian, J v, preconditioner and vjp agree with differences") {
  for (const auto& info : models::neuron_models())
    for (bool conductance : {false, true}) {
      CAPTURE(info.name);
      CAPTURE(conductance);
      const auto c = make_case(info.name, conductance);
      const auto net = models::make_network(c.desc);
      net->bind_recurrent(c.desc.w_rec);
      const std::vector<double> drive{0.3, -0.1, 0.2, 0.05, 0.4};
      net->set_drive(drive);
      const std::size_t m = net->size(), n = 5;
      std::vector<double> jac(m * m, 0.0), fd(m * m), fp(m), fm(m);
      net->jacobian(0, c.y.data(), jac.data());
      for (std::size_t j = 0; j < m; ++j) {
        const double h = 1e-6 * std::max(1.0, std::abs(c.y[j]));
        auto yp = c.y, ym = c.y;
        yp[j] += h;
        ym[j] -= h;
        net->rhs(0, yp.data(), fp.data());
        net->rhs(0, ym.data(), fm.data());
        for (std::size_t i = 0; i < m; ++i) fd[i + j * m] = (fp[i] - fm[i]) / (2 * h);
      }
      double scale = 0;
      for (double x : fd) scale = std::max(scale, std::abs(x));
      CHECK(worst_relative(jac, fd, 1e-3 * scale) < 1e-5);

      // J v by the Krylov product, both ways, against the dense Jacobian.
      std::vector<double> v(m), jv(m), jv2(m), dense(m, 0.0);
      for (std::size_t k = 0; k < m; ++k) v[k] = std::sin(1.3 * double(k) + 0.2);
      for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < m; ++j) dense[i] += jac[i + j * m] * v[j];
      REQUIRE(net->jvp(0, c.y.data(), v.data(), jv.data()));
      REQUIRE(net->jvp_setup(0, c.y.data()) == 0);
      REQUIRE(net->jvp_apply(v.data(), jv2.data()) == 0);
      CHECK(worst_relative(jv, dense, 1e-9 * scale) < 1e-12);
      CHECK(jv == jv2);

      // The preconditioner solves each neuron's block of I - gamma J (its own states and, with
      // conductance coupling, its synapse), self-coupling included: applying that block to z
      // gives back r.
      const double gamma = 0.05;
      std::vector<double> r(m), z(m), zt(m);
      for (std::size_t k = 0; k < m; ++k) r[k] = std::cos(0.7 * double(k));
      REQUIRE(net->precondition_setup(0, c.y.data(), gamma) == 0);
      REQUIRE(net->precondition_solve(r.data(), z.data()) == 0);
      REQUIRE(net->precondition_solve_transposed(r.data(), zt.data()) == 0);
      const std::size_t b = m / n;  // states per neuron in a block
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t p = 0; p < b; ++p) {
          double back = 0, back_t = 0;
          for (std::size_t q = 0; q < b; ++q) {
            const std::size_t row = p * n + i, col = q * n + i;
            const double a = (p == q ? 1.0 : 0.0) - gamma * jac[row + col * m];
            const double at = (p == q ? 1.0 : 0.0) - gamma * jac[col + row * m];
            back += a * z[col];
            back_t += at * zt[col];
          }
          CHECK(back == doctest::Approx(r[p * n + i]).epsilon(1e-10));
          CHECK(back_t == doctest::Approx(r[p * n + i]).epsilon(1e-10));
        }

      // vjp: J^T lambda against the dense Jacobian, (df/dp)^T lambda against differences in
      // p = (W, drive).
      std::vector<double> lambda(m), out_y(m), out_p(n * n + n), ref(m, 0.0);
      for (std::size_t k = 0; k < m; ++k) lambda[k] = std::cos(0.4 * double(k) + 1);
      REQUIRE(net->vjp(0, c.y.data(), lambda.data(), out_y.data(), out_p.data()));
      for (std::size_t j = 0; j < m; ++j)
        for (std::size_t i = 0; i < m; ++i) ref[j] += jac[i + j * m] * lambda[i];
      CHECK(worst_relative(out_y, ref, 1e-9 * scale) < 1e-10);
      std::vector<double> w = c.desc.w_rec, d = drive, fd_p(n * n + n);
      const auto lf = [&] {
        net->bind_recurrent(w);
        net->set_drive(d);
        net->rhs(0, c.y.data(), fp.data());
        double s = 0;
        for (std::size_t k = 0; k < m; ++k) s += lambda[k] * fp[k];
        return s;
      };
      for (std::size_t k = 0; k < n * n + n; ++k) {
        double& x = k < n * n ? w[k] : d[k - n * n];
        const double x0 = x, h = 1e-6;
        x = x0 + h;
        const double up = lf();
        x = x0 - h;
        const double down = lf();
        x = x0;
        fd_p[k] = (up - down) / (2 * h);
      }
      // f is linear in p, so the differences are exact but for rounding, which is relative to
      // the size of lambda . f (hundreds during an HH spike), not to each entry.
      double scale_p = 0;
      for (double x : fd_p) scale_p = std::max(scale_p, std::abs(x));
      CHECK(worst_relative(out_p, fd_p, 1e-2 * scale_p) < 1e-6);
    }
}

TEST_CASE("every model's network: the scheme's reverse is the derivative of the scheme") {
  for (const auto& info : models::neuron_models()) {
    CAPTURE(info.name);
    const auto c = make_case(info.name, false);
    const auto net = models::make_network(c.desc);
    const std::size_t n = 5, trials = 2, total = n * trials, s = info.states();
    const double dt = 0.05;
    std::vector<double> w = c.desc.w_rec;
    net->bind_recurrent(w);
    // Two trials: the case's state and a shifted copy; T of the previous step and the drive.
    std::vector<double> x(s * total), t(total), drive(total);
    for (std::size_t q = 0; q < s; ++q)
      for (std::size_t i = 0; i < n; ++i) {
        x[q * total + i] = c.y[q * n + i];
        x[q * total + n + i] = q == 0 ? c.y[i] + 7 : c.y[q * n + i];
      }
    for (std::size_t k = 0; k < total; ++k) {
      t[k] = 0.2 + 0.05 * double(k % 7);
      drive[k] = 0.1 * std::sin(double(k));
    }
    // L = sum of weights times the step's outputs (states and T).
    std::vector<double> wx(s * total), wt(total);
    for (std::size_t k = 0; k < wx.size(); ++k) wx[k] = std::cos(0.3 * double(k));
    for (std::size_t k = 0; k < total; ++k) wt[k] = std::sin(0.9 * double(k) + 0.5);
    const auto loss = [&](std::vector<double> x0, std::vector<double> t0,
                          const std::vector<double>& d0) {
      net->bind_recurrent(w);
      net->steps(trials, std::span<double>(x0), std::span<double>(t0), std::span<const double>(d0),
                 dt);
      double l = 0;
      for (std::size_t k = 0; k < x0.size(); ++k) l += wx[k] * x0[k];
      for (std::size_t k = 0; k < total; ++k) l += wt[k] * t0[k];
      return l;
    };
    auto x1 = x, t1 = t;
    net->steps(trials, std::span<double>(x1), std::span<double>(t1), std::span<const double>(drive),
               dt);
    auto lx = wx, lt = wt;
    std::vector<double> gd(total, 0.0), gw(n * n, 0.0);
    net->steps_vjp(trials, std::span<const double>(x), std::span<const double>(t),
                   std::span<const double>(x1), std::span<const double>(t1), dt,
                   std::span<double>(lx), std::span<double>(lt), std::span<double>(gd),
                   std::span<double>(gw));
    const auto central = [&](auto&& poke) {
      const double h = 1e-6;
      return (poke(h) - poke(-h)) / (2 * h);
    };
    double worst = 0;
    const auto check = [&](double analytic, double numeric) {
      worst = std::max(worst, std::abs(analytic - numeric) / std::max(1e-3, std::abs(numeric)));
    };
    for (std::size_t k = 0; k < x.size(); ++k)
      check(lx[k], central([&](double h) {
              auto xx = x;
              xx[k] += h * std::max(1.0, std::abs(x[k]));
              return loss(xx, t, drive) / std::max(1.0, std::abs(x[k]));
            }));
    for (std::size_t k = 0; k < total; ++k) {
      check(lt[k], central([&](double h) {
              auto tt = t;
              tt[k] += h;
              return loss(x, tt, drive);
            }));
      check(gd[k], central([&](double h) {
              auto dd = drive;
              dd[k] += h;
              return loss(x, t, dd);
            }));
    }
    for (std::size_t k = 0; k < n * n; ++k)
      check(gw[k], central([&](double h) {
              const double w0 = w[k];
              w[k] = w0 + h;
              const double l = loss(x, t, drive);
              w[k] = w0;
              return l;
            }));
    MESSAGE(info.name << ": worst relative error of the scheme's reverse " << worst);
    CHECK(worst < 1e-5);
  }
}

TEST_CASE("every model's uncoupled network is its single neuron with the mapped input current") {
  for (const auto& info : models::neuron_models()) {
    CAPTURE(info.name);
    auto c = make_case(info.name, false);
    std::fill(c.desc.w_rec.begin(), c.desc.w_rec.end(), 0.0);
    const auto net = models::make_network(c.desc);
    net->bind_recurrent(c.desc.w_rec);
    const std::vector<double> drive{0.3, -0.1, 0.2, 0.05, 0.4};
    net->set_drive(drive);
    const std::size_t n = 5, s = info.states();
    std::vector<double> f(net->size());
    net->rhs(0, c.y.data(), f.data());
    for (std::size_t i = 0; i < n; ++i) {
      const auto& pop = c.desc.populations[c.desc.locate(i).first];
      auto values = info.defaults();
      for (const auto& [name, v] : pop.constants) values[info.constant_index(name)] = v[0];
      const double current = (c.desc.iapp + drive[i]) * c.desc.input_gain + c.desc.input_offset;
      const auto neuron = info.make_neuron(values, current);
      std::vector<double> y(s), dy(s);
      for (std::size_t q = 0; q < s; ++q) y[q] = c.y[q * n + i];
      neuron->rhs(0, y.data(), dy.data());
      // Equal but for rounding: the network's loops run on libmvec's vector exp.
      for (std::size_t q = 0; q < s; ++q)
        CHECK(std::abs(f[q * n + i] - dy[q]) <= 1e-13 * std::max(1.0, std::abs(dy[q])));
    }
  }
}

TEST_CASE("a heterogeneous population is the populations of its neurons") {
  // Four neurons with per-neuron leaks (a group per neuron, a strided loop over the trials)
  // against two populations of two (one loop per population and trial).
  for (const auto& info : models::neuron_models()) {
    CAPTURE(info.name);
    const double gl = info.defaults()[info.constant_index("gL")];
    const std::size_t n = 4;
    models::network_description one, two;
    models::population p;
    p.name = "all";
    p.model = info.name;
    p.count = n;
    p.constants["gL"] = {0.5 * gl, 0.5 * gl, 2 * gl, 2 * gl};
    one.populations = {p};
    for (double leak : {0.5 * gl, 2 * gl}) {
      models::population q;
      q.name = "gL" + std::to_string(leak);
      q.model = info.name;
      q.count = 2;
      q.constants["gL"] = {leak};
      two.populations.push_back(q);
    }
    std::vector<double> w(n * n);
    random_stream(2, stream::init, 0, 0).fill_uniform(w, -0.3, 0.3);
    one.w_rec = two.w_rec = w;
    const auto a = models::make_network(one), b = models::make_network(two);
    a->bind_recurrent(w);
    b->bind_recurrent(w);
    const std::vector<double> drive{0.2, 0.4, -0.1, 0.3};
    a->set_drive(drive);
    b->set_drive(drive);
    const std::size_t s = info.states(), trials = 5, total = n * trials;
    std::vector<double> y(s * n), one_state(s);
    for (std::size_t i = 0; i < n; ++i) {
      a->initial_state(i, -50 + 15 * double(i), one_state);
      for (std::size_t q = 0; q < s; ++q) y[q * n + i] = one_state[q];
    }
    std::vector<double> fa(y.size()), fb(y.size());
    a->rhs(0, y.data(), fa.data());
    b->rhs(0, y.data(), fb.data());
    for (std::size_t k = 0; k < y.size(); ++k)
      CHECK(std::abs(fa[k] - fb[k]) <= 1e-13 * std::max(1.0, std::abs(fb[k])));
    std::vector<double> xa(s * total), t(total, 0.1), d(total);
    for (std::size_t q = 0; q < s; ++q)
      for (std::size_t k = 0; k < total; ++k)
        xa[q * total + k] = y[q * n + k % n] + (q == 0 ? 2.0 * double(k / n) : 0.0);
    for (std::size_t k = 0; k < total; ++k) d[k] = 0.1 * double(k % 3);
    auto xb = xa, ta = t, tb = t;
    for (int step = 0; step < 200; ++step) {
      a->steps(trials, std::span<double>(xa), std::span<double>(ta), std::span<const double>(d),
               0.05);
      b->steps(trials, std::span<double>(xb), std::span<double>(tb), std::span<const double>(d),
               0.05);
    }
    double worst = 0;
    for (std::size_t k = 0; k < xa.size(); ++k) {
      worst = std::max(worst, std::abs(xa[k] - xb[k]));
    }
    MESSAGE(info.name << ": heterogeneous against two populations after 200 steps: " << worst);
    CHECK(worst < 1e-9);
  }
}

namespace {

// tests/regression/hh_network.py: 5 Hodgkin-Huxley neurons, excitatory and inhibitory kinetic
// synapses, ten 10 ms tokens; every neuron fires 5 or 6 spikes. Its stored lines (W, the
// tokens' drives, y0, then the trajectory) and the network it describes.
struct hh_reference {
  static constexpr std::size_t n = 5, tokens = 10, per_token = 20, states = 5 * n;
  std::vector<std::vector<double>> lines;
  models::network_description d;  // the network refers to it
  std::unique_ptr<models::network> net;

  hh_reference() {
    lines = testing::reference_rows("hh_network_scipy.txt");
    REQUIRE(lines.size() == 2 + tokens + tokens * per_token);
    models::population e, i;
    e.name = "e";
    i.name = "i";
    e.model = i.model = "hodgkin_huxley";
    e.count = 3;
    i.count = 2;
    e.e_syn = 0;
    e.alpha = 2;
    e.beta = 0.2;
    i.e_syn = -75;
    i.alpha = 3;
    i.beta = 0.15;
    d.populations = {e, i};
    d.coupling = models::coupling_kind::conductance;
    d.syn_gain = 0.5;
    d.input_gain = 3;
    d.input_offset = 4.5;
    d.iapp = 0;
    d.vt = 0;
    d.kp = 4;
    d.w_rec = lines[0];
    net = models::make_network(d);
    REQUIRE(net->size() == states);
    net->bind_recurrent(lines[0]);
  }
  const std::vector<double>& drive(std::size_t token) const { return lines[1 + token]; }
  const std::vector<double>& y0() const { return lines[1 + tokens]; }
  const std::vector<double>& row(std::size_t token, std::size_t r) const {
    return lines[2 + tokens + per_token * token + r];
  }
};

ode::solver_options hh_bdf(ode::linear_solver ls, double tol) {
  ode::solver_options o;
  o.lmm = ode::method::bdf;
  o.nls = ode::nonlinear_solver::newton;
  o.ls = ls;
  o.rtol = tol;
  o.atol = tol;
  o.max_steps_total = 10000000;
  o.max_steps_per_output = 1000000;
  return o;
}

}  // namespace

TEST_CASE(
    "an HH network with conductance synapses agrees with SciPy Radau over 100 ms of spiking") {
  hh_reference ref;
  const std::size_t n = ref.n, states = ref.states;
  ode::integrator ig(hh_bdf(ode::linear_solver::block, 1e-12));
  std::vector<double> y = ref.y0();
  double worst_v = 0, worst_gate = 0;
  for (std::size_t k = 0; k < ref.tokens; ++k) {
    ref.net->set_drive(ref.drive(k));
    std::vector<double> t_out;
    for (std::size_t r = 0; r < ref.per_token; ++r) t_out.push_back(ref.row(k, r)[0]);
    std::vector<double> out(states * ref.per_token);
    REQUIRE(ig.solve(*ref.net, 10.0 * double(k), y, t_out, out).status ==
            ode::solve_status::success);
    for (std::size_t r = 0; r < ref.per_token; ++r)
      for (std::size_t s = 0; s < states; ++s) {
        const double err = std::abs(out[states * r + s] - ref.row(k, r)[1 + s]);
        (s < n ? worst_v : worst_gate) = std::max(s < n ? worst_v : worst_gate, err);
      }
    y.assign(out.end() - static_cast<std::ptrdiff_t>(states), out.end());
  }
  CHECK(worst_v < 1e-3);
  CHECK(worst_gate < 1e-5);
  MESSAGE("max |V - V_scipy| = " << worst_v << " mV, gates and synapses " << worst_gate);
}

TEST_CASE("the adjoint through many checkpoint intervals: block and GMRES agree with differences") {
  // 60 ms of spiking in one segment takes several of CVODES' checkpoint intervals, which the
  // backward pass re-runs; the block solver used to re-run them with another preconditioner
  // and take more steps than stored (a segmentation fault in CVodeB). Loss: the sum of the
  // voltages at 60 ms; its gradient with respect to the initial state.
  hh_reference ref;
  const std::size_t states = ref.states, p = ref.n * ref.n + ref.n;
  ref.net->set_drive(ref.drive(6));
  const std::vector<double> t_out{60.0};
  std::vector<double> dl_dy(states, 0.0);
  for (std::size_t i = 0; i < ref.n; ++i) dl_dy[i] = 1;
  const auto loss = [&](const std::vector<double>& y0) {
    ode::integrator ig(hh_bdf(ode::linear_solver::dense, 1e-11));
    std::vector<double> out(states);
    REQUIRE(ig.solve(*ref.net, 0, y0, t_out, out).status == ode::solve_status::success);
    double l = 0;
    for (std::size_t i = 0; i < ref.n; ++i) l += out[i];
    return l;
  };
  std::vector<std::vector<double>> grads;
  for (const auto ls : {ode::linear_solver::block, ode::linear_solver::gmres}) {
    CAPTURE(static_cast<int>(ls));
    ode::integrator ig(hh_bdf(ls, 1e-9));
    std::vector<double> out(states), dl_dy0(states), dl_dp(p);
    const auto fwd = ig.forward(*ref.net, 0, ref.y0(), t_out, out);
    REQUIRE(fwd.status == ode::solve_status::success);
    CHECK(fwd.stats.steps > 3 * ode::integrator::adjoint_checkpoint_steps);
    REQUIRE(ig.backward(*ref.net, dl_dy, dl_dy0, dl_dp).status == ode::solve_status::success);
    grads.push_back(dl_dy0);
  }
  // Central differences in the initial voltage of each neuron (mV).
  for (std::size_t i = 0; i < ref.n; ++i) {
    CAPTURE(i);
    auto up = ref.y0(), down = ref.y0();
    const double h = 1e-3;
    up[i] += h;
    down[i] -= h;
    const double fd = (loss(up) - loss(down)) / (2 * h);
    CHECK(grads[0][i] == doctest::Approx(fd).epsilon(2e-3).scale(1));
    CHECK(grads[1][i] == doctest::Approx(fd).epsilon(2e-3).scale(1));
  }
}
