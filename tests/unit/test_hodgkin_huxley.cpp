#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <fstream>
#include <functional>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "esbio/models/hodgkin_huxley.hpp"
#include "esbio/models/single_neuron.hpp"
#include "esbio/ode/integrator.hpp"
#include "hh_formulas.hpp"

using namespace esbio;
using models::hodgkin_huxley;
using models::state_view;
using models::step_input;

namespace {
// The step's input c given directly (gain 1, bias 0); the reference lives to the end of the
// full expression, the step call.
template <class real>
step_input<real> input_of(const real& c) {
  return {&c, 1, 0};
}
}  // namespace
using hh_neuron = models::single_neuron<hodgkin_huxley>;
using params = hodgkin_huxley::params;
using state = std::array<double, 4>;
using ld = long double;
namespace hf = hh_formulas;

namespace {

double bisect(const std::function<double(double)>& f, double a, double b) {
  REQUIRE(f(a) * f(b) < 0);
  for (int i = 0; i < 200; ++i) {
    const double m = 0.5 * (a + b);
    if ((f(m) < 0) == (f(a) < 0))
      a = m;
    else
      b = m;
  }
  return 0.5 * (a + b);
}

state steady(const params& p, double v) {
  state y;
  hodgkin_huxley::steady_state(p, v, state_view<double>{y.data()});
  return y;
}

// The current that holds V at rest with every gate at its steady state.
double steady_current(const params& p, double v) {
  const state y = steady(p, v);
  double i[3];
  hodgkin_huxley::currents(p, state_view<const double>{y.data()}, state_view<double>{i});
  return i[0] + i[1] + i[2];
}

state rest_state(const params& p, double current) {
  return steady(p, bisect([&](double v) { return steady_current(p, v) - current; }, -90, -30));
}

std::array<double, 16> jacobian(const params& p, const state& y) {
  std::array<double, 16> j;
  hodgkin_huxley::jacobian(p, state_view<const double>{y.data()}, state_view<double>{j.data()});
  return j;
}

// esbio's CVODE BDF with dense analytic Jacobian, constant current, outputs at t (t[0] = 0).
std::vector<double> bdf(const params& p, double current, const state& y0,
                        const std::vector<double>& t, double tol) {
  hh_neuron n(p, current);
  ode::solver_options o;
  o.rtol = tol;
  o.atol = tol;
  o.max_steps_per_output = 100000;
  ode::integrator ig(o);
  std::vector<double> out(4 * t.size());
  REQUIRE(ig.solve(n, t.front(), y0, t, out).status == ode::solve_status::success);
  return out;
}

std::vector<double> grid(double t_end, double dt) {
  std::vector<double> t;
  for (int k = 0; k * dt <= t_end + 1e-9; ++k) t.push_back(k * dt);
  return t;
}

// Upward crossings of 0 mV at t >= t_from of a trajectory with outputs at t.
int spikes(const std::vector<double>& t, const std::vector<double>& y, double t_from) {
  int count = 0;
  for (std::size_t k = 1; k < t.size(); ++k)
    if (t[k] >= t_from && y[4 * (k - 1)] < 0 && y[4 * k] >= 0) ++count;
  return count;
}

// Characteristic polynomial det(lambda I - A) = sum_k c[k] lambda^k of a 4 x 4 matrix
// (Faddeev-LeVerrier), c[4] = 1.
std::array<double, 5> characteristic_polynomial(const std::array<double, 16>& a) {
  std::array<double, 5> c{};
  c[4] = 1;
  std::array<double, 16> m{}, am{};
  for (int k = 1; k <= 4; ++k) {
    for (int r = 0; r < 4; ++r)
      for (int col = 0; col < 4; ++col) {
        double s = 0;
        for (int i = 0; i < 4; ++i) s += a[r * 4 + i] * m[i * 4 + col];
        am[r * 4 + col] = s;
      }
    for (int r = 0; r < 4; ++r) am[r * 4 + r] += c[5 - k];  // A M_{k-1} + c_{n-k+1} I = M_k
    m = am;
    double tr = 0;
    for (int r = 0; r < 4; ++r)
      for (int i = 0; i < 4; ++i) tr += a[r * 4 + i] * m[i * 4 + r];
    c[4 - k] = -tr / k;
  }
  return c;
}

// Its roots, the eigenvalues (Durand-Kerner from the usual non-real seeds).
std::array<std::complex<double>, 4> roots(const std::array<double, 5>& c) {
  using cd = std::complex<double>;
  double bound = 0;
  for (int k = 0; k < 4; ++k) bound = std::max(bound, std::abs(c[k]));
  std::array<cd, 4> z;
  for (int k = 0; k < 4; ++k) z[k] = (1 + bound) * std::pow(cd(0.4, 0.9), k);
  const auto poly = [&](cd x) { return (((x + c[3]) * x + c[2]) * x + c[1]) * x + c[0]; };
  for (int it = 0; it < 2000; ++it)
    for (int i = 0; i < 4; ++i) {
      cd d = 1;
      for (int j = 0; j < 4; ++j)
        if (j != i) d *= z[i] - z[j];
      z[i] -= poly(z[i]) / d;
    }
  for (const auto& x : z) REQUIRE(std::abs(poly(x)) < 1e-9 * (1 + std::pow(std::abs(x), 4)));
  return z;
}

std::array<std::complex<double>, 4> rest_eigenvalues(const params& p, double current) {
  return roots(characteristic_polynomial(jacobian(p, rest_state(p, current))));
}

}  // namespace

TEST_CASE("Hodgkin-Huxley: the Jacobian matches central differences of the rates") {
  // Five-point differences (error h^4 f^(5)/30: exact in the gates, where f is a polynomial of
  // degree <= 4, and about 1e-17 relative in V, whose scale is 10 mV), so the tolerance is set by
  // rounding: u times the magnitude of f's terms, over h.
  std::mt19937_64 rng(26);
  std::uniform_real_distribution<double> gate(0.02, 0.98);
  const std::vector<double> volts{-90,      -65, -55, -54.9999, -55.0001, -50, -45,  -40.0001, -40,
                                  -39.9999, -35, -20, 0,        30,       55,  -150, 150};
  const double u = std::numeric_limits<double>::epsilon() / 2, current = 7, h = 1e-3;
  double worst = 0;
  for (double temperature : {6.3, 18.5})
    for (double v : volts)
      for (int draw = 0; draw < 3; ++draw) {
        params p;
        p.T = temperature;
        p.C = draw == 2 ? 2.5 : 1;
        hh_neuron n(p, current);
        const state y{v, gate(rng), gate(rng), gate(rng)};
        double jac[16];
        n.jacobian(0, y.data(), jac);
        const auto r = hf::rates_at(v);
        const double magnitude[4] = {(current + p.gNa * std::abs(v - p.ENa) +
                                      p.gK * std::abs(v - p.EK) + p.gL * std::abs(v - p.EL)) /
                                         p.C,
                                     double(hf::phi(p) * (r.am + r.bm)),
                                     double(hf::phi(p) * (r.ah + r.bh)),
                                     double(hf::phi(p) * (r.an + r.bn))};
        for (int j = 0; j < 4; ++j) {
          const auto f_at = [&](double offset, int i) {
            state z = y;
            z[j] += offset;
            double f[4];
            n.rhs(0, z.data(), f);
            return f[i];
          };
          for (int i = 0; i < 4; ++i) {
            const double fd =
                (8 * (f_at(h, i) - f_at(-h, i)) - (f_at(2 * h, i) - f_at(-2 * h, i))) / (12 * h);
            const double err =
                std::abs(jac[i + 4 * j] - fd) / (1e-9 * std::abs(fd) + 16 * u * magnitude[i] / h);
            CHECK(err <= 1);
            worst = std::max(worst, err);
          }
        }
      }
  MESSAGE("largest |J - J_fd| / (1e-9 |J_fd| + 16 u |f terms| / h): " << worst);
}

namespace {

// alpha_m, alpha_n and their slopes against hh_formulas (long double, expm1) at V, in real.
// Returns the worst relative errors in units of real's epsilon.
template <class real>
std::array<double, 2> singular_rate_errors(const std::vector<double>& volts) {
  const double eps = std::numeric_limits<real>::epsilon();
  double worst_rate = 0, worst_slope = 0;
  for (double v0 : volts) {
    const real v = static_cast<real>(v0);
    const auto k = hodgkin_huxley::kinetics_at(v);
    const auto r = hf::rates_at(ld(v));
    const auto s = hf::slopes_at(ld(v));
    REQUIRE(std::isfinite(k.am));
    REQUIRE(std::isfinite(k.an));
    REQUIRE(std::isfinite(k.dam));
    REQUIRE(std::isfinite(k.dan));
    worst_rate = std::max({worst_rate, double(std::abs((k.am - r.am) / r.am)) / eps,
                           double(std::abs((k.an - r.an) / r.an)) / eps});
    worst_slope = std::max({worst_slope, double(std::abs((k.dam - s.am) / s.am)) / eps,
                            double(std::abs((k.dan - s.an) / s.an)) / eps});
  }
  return {worst_rate, worst_slope};
}

template <class real>
void check_singular_rates(double rate_tol, double slope_tol) {
  // At the points themselves: the limits, alpha_m(-40) = 1 and alpha_n(-55) = 0.1, and the
  // slopes 1/20 and 1/200 (f(0) = 1, f'(0) = 1/2).
  const auto at_m = hodgkin_huxley::kinetics_at(real(-40));
  const auto at_n = hodgkin_huxley::kinetics_at(real(-55));
  CHECK(at_m.am == real(1));
  CHECK(at_n.an == real(0.1));
  const real eps = std::numeric_limits<real>::epsilon();
  CHECK(std::abs(at_m.dam - real(0.05)) <= 2 * eps * real(0.05));
  CHECK(std::abs(at_n.dan - real(0.005)) <= 2 * eps * real(0.005));
  // Around them, from 1e-12 mV (below float's spacing at 40 mV, so float sees the point) to the
  // Taylor window's edges (5 mV) and past them; then a dense sweep over both windows.
  std::vector<double> volts;
  for (double point : {-40.0, -55.0}) {
    for (double d :
         {1e-12, 1e-10, 1e-8, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1.0, 4.999, 5.0, 5.001, 7.0})
      for (double sign : {-1.0, 1.0}) volts.push_back(point + sign * d);
    // The windows' edges to the last bit on either side: the two branches meet there.
    for (double edge : {point - 5, point + 5}) {
      const real e = static_cast<real>(edge);
      volts.push_back(std::nextafter(e, real(-1000)));
      volts.push_back(e);
      volts.push_back(std::nextafter(e, real(1000)));
    }
  }
  for (double v = -66; v <= -29; v += 1.0 / 1024) volts.push_back(v);
  const auto [rate, slope] = singular_rate_errors<real>(volts);
  MESSAGE((sizeof(real) == 4 ? "float32" : "float64")
          << ": alpha_m, alpha_n within " << rate << " eps of the long-double formula, their slopes"
          << " within " << slope << " eps");
  CHECK(rate <= rate_tol);
  CHECK(slope <= slope_tol);
}

}  // namespace

TEST_CASE("Hodgkin-Huxley: alpha_m and alpha_n through their removable singularities") {
  // Tolerances in units of epsilon (eps = 2u), from the error analysis in hodgkin_huxley.hpp:
  // the series are exact to below u; the direct branch's f has relative error about
  // (1 + 1/(2|s|)) u, 1 eps at the window's edge |s| = 1/2, and f' about 4u/s^2 = 8 eps there;
  // plus a few roundings (s, s + 1.5, e^{-3/2} E, the factors 0.1 and 0.01), about 2 eps.
  check_singular_rates<float>(6, 12);
  check_singular_rates<double>(6, 12);
}

TEST_CASE("Hodgkin-Huxley: every rate matches the formulas and stays finite at any voltage") {
  // Relative to the long-double formulas, in eps, over the tolerance a few eps plus the
  // conditioning of the exponentials: exp(x) inherits x's rounding times |x|, and the largest
  // argument is (V + 40)/10 (or 4 (V + 65)/80, alpha_h = 0.07 q^4), so about |V + 50|/10 eps.
  double worst[2] = {0, 0};
  const double eps = std::numeric_limits<double>::epsilon();
  for (double v = -199.9; v <= 199.9; v += 1.0 / 64) {
    const auto k = hodgkin_huxley::kinetics_at(v);
    const auto r = hf::rates_at(v);
    const auto s = hf::slopes_at(v);
    const double got[12] = {k.am,  k.bm,  k.ah,  k.bh,  k.an,  k.bn,
                            k.dam, k.dbm, k.dah, k.dbh, k.dan, k.dbn};
    const ld want[12] = {r.am, r.bm, r.ah, r.bh, r.an, r.bn, s.am, s.bm, s.ah, s.bh, s.an, s.bn};
    const double conditioning = std::abs(v + 50) / 10;
    for (int i = 0; i < 12; ++i) {
      const double err = double(std::abs((got[i] - want[i]) / want[i])) / eps;
      worst[i / 6] = std::max(worst[i / 6], err / ((i < 6 ? 4 : 8) + conditioning));
    }
  }
  MESSAGE("float64 rates on [-200, 200] mV: worst error / (4 + |V + 50|/10) eps "
          << worst[0] << ", slopes / (8 + |V + 50|/10) eps " << worst[1]);
  CHECK(worst[0] <= 1);
  CHECK(worst[1] <= 1);

  // Beyond the clamp the rates are those at its edge and their slopes vanish; nothing overflows
  // at +-1000 mV in either precision, in the continuous model or in the scheme and its reverse.
  const params p;
  for (double v : {-1000.0, -500.0, -200.5, 200.5, 500.0, 1000.0}) {
    const auto k = hodgkin_huxley::kinetics_at(v);
    const auto edge = hodgkin_huxley::kinetics_at(v < 0 ? -200.0 : 200.0);
    CHECK(k.am == edge.am);
    CHECK(k.bm == edge.bm);
    CHECK(k.bh == edge.bh);
    CHECK(k.an == edge.an);
    CHECK(k.dam == 0);
    CHECK(k.dbh == 0);
    const state y{v, 0.3, 0.5, 0.7};
    double dy[4], jac[16];
    hodgkin_huxley::rates(p, state_view<const double>{y.data()}, 10, state_view<double>{dy});
    hodgkin_huxley::jacobian(p, state_view<const double>{y.data()}, state_view<double>{jac});
    for (double x : dy) CHECK(std::isfinite(x));
    for (double x : jac) CHECK(std::isfinite(x));
    const auto kf = hodgkin_huxley::kinetics_at(float(v));
    for (float x :
         {kf.am, kf.bm, kf.ah, kf.bh, kf.an, kf.bn, kf.dam, kf.dbm, kf.dah, kf.dbh, kf.dan, kf.dbn})
      CHECK(std::isfinite(x));
    for (double dt : {0.01, 0.1}) {
      std::array<float, 4> sf{float(v), 0.3f, 0.5f, 0.7f}, lf{1, 1, 1, 1};
      std::array<double, 4> sd{v, 0.3, 0.5, 0.7}, ldd{1, 1, 1, 1};
      const auto old_f = sf;
      const auto old_d = sd;
      hodgkin_huxley::step(hodgkin_huxley::prepare<float>(p, dt), input_of<float>(50.0f),
                           state_view<float>{sf.data()});
      hodgkin_huxley::step(hodgkin_huxley::prepare<double>(p, dt), input_of<double>(50.0),
                           state_view<double>{sd.data()});
      const float cf = hodgkin_huxley::step_vjp(
          hodgkin_huxley::prepare<float>(p, dt), state_view<const float>{old_f.data()},
          state_view<const float>{sf.data()}, state_view<float>{lf.data()});
      const double cd = hodgkin_huxley::step_vjp(
          hodgkin_huxley::prepare<double>(p, dt), state_view<const double>{old_d.data()},
          state_view<const double>{sd.data()}, state_view<double>{ldd.data()});
      CHECK(std::isfinite(cf));
      CHECK(std::isfinite(cd));
      for (int i = 0; i < 4; ++i) {
        CHECK(std::isfinite(sf[i]));
        CHECK(std::isfinite(sd[i]));
        CHECK(std::isfinite(lf[i]));
        CHECK(std::isfinite(ldd[i]));
      }
      for (int i = 1; i < 4; ++i) {
        CHECK(sd[i] >= 0);
        CHECK(sd[i] <= 1);
      }
    }
  }
}

TEST_CASE("Hodgkin-Huxley: Hopf bifurcation of the rest state at I = 9.78") {
  const params p;
  // One rest state for every current: the steady-state current rises monotonically.
  for (double v = -90; v < -30; v += 0.25)
    REQUIRE(steady_current(p, v + 0.25) > steady_current(p, v));
  const auto growth = [&](double i) {
    double re = -1e300;
    for (const auto& z : rest_eigenvalues(p, i)) re = std::max(re, z.real());
    return re;
  };
  const double i_hopf = bisect(growth, 5, 15);
  MESSAGE("Hopf bifurcation at I = " << i_hopf << " uA/cm^2, rest V = " << rest_state(p, i_hopf)[0]
                                     << " mV");
  CHECK(std::abs(i_hopf - 9.78) <= 0.005);  // the literature's two decimals
  // A complex pair crosses the imaginary axis; the other two eigenvalues are real and negative.
  for (double di : {-0.05, 0.0, 0.05}) {
    auto z = rest_eigenvalues(p, i_hopf + di);
    std::sort(z.begin(), z.end(), [](const auto& a, const auto& b) { return a.real() > b.real(); });
    CHECK(std::abs(z[0].imag()) > 0.1);
    CHECK(std::abs(z[1] - std::conj(z[0])) < 1e-9 * std::abs(z[0]));
    CHECK(z[2].real() < 0);
    CHECK(z[3].real() < 0);
    if (di < 0) CHECK(z[0].real() < 0);
    if (di > 0) CHECK(z[0].real() > 0);
  }
  // The Routh-Hurwitz determinant of the characteristic polynomial (no root finding) vanishes at
  // the same current: a1 a2 a3 - a3^2 - a1^2 a4 for lambda^4 + a1 lambda^3 + ... + a4.
  const auto hurwitz = [&](double i) {
    const auto c = characteristic_polynomial(jacobian(p, rest_state(p, i)));
    return c[3] * c[2] * c[1] - c[1] * c[1] - c[3] * c[3] * c[0];
  };
  CHECK(std::abs(bisect(hurwitz, 5, 15) - i_hopf) < 1e-8);
}

TEST_CASE("Hodgkin-Huxley: a current step from rest fires periodically at I = 6.4, not at 6.0") {
  // 6.26 < I < 9.78 is bistable (a fold of limit cycles at 6.26): below the fold a step from rest
  // gives a transient of a spike or two, above it periodic firing.
  const params p;
  const state y0 = rest_state(p, 0);
  const auto t = grid(500, 0.05);
  std::array<int, 4> tail{};
  const double currents[4] = {6.0, 6.25, 6.3, 6.4};
  for (int c = 0; c < 4; ++c) {
    const auto y = bdf(p, currents[c], y0, t, 1e-9);
    tail[c] = spikes(t, y, 100);
    const int late = spikes(t, y, 300);
    MESSAGE("I = " << currents[c] << ": " << spikes(t, y, 0) << " spikes in 500 ms, " << tail[c]
                   << " after 100 ms, " << late << " after 300 ms");
    if (c == 0) CHECK(tail[c] == 0);
    if (c == 1) CHECK(late == 0);  // a ghost of the cycle, then rest: the fold is above 6.25
    if (c >= 2) CHECK(late >= 9);  // a period near 19 ms: 10 or 11 spikes in 200 ms
  }
  CHECK(tail[3] >= 20);
}

TEST_CASE("Hodgkin-Huxley: BDF trajectory matches an independent SciPy solve to 1e-3 mV") {
  // tests/regression/hh_neuron.py: V0 = -65 with steady gates, I = 0 then 10 from t = 10 ms.
  std::ifstream in(std::string(ESBIO_REGRESSION_DIR) + "/hh_neuron_scipy.txt");
  REQUIRE(in);
  std::vector<std::array<double, 5>> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::array<double, 5> r;
    ls >> r[0] >> r[1] >> r[2] >> r[3] >> r[4];
    rows.push_back(r);
  }
  REQUIRE(rows.size() == 401);
  const params p;
  std::vector<double> t1, t2;
  for (const auto& r : rows) (r[0] <= 10 ? t1 : t2).push_back(r[0]);
  t2.insert(t2.begin(), 10.0);
  const auto y1 = bdf(p, 0, steady(p, -65), t1, 1e-11);
  state mid;
  std::copy(y1.end() - 4, y1.end(), mid.begin());
  const auto y2 = bdf(p, 10, mid, t2, 1e-11);
  std::vector<double> y(y1);
  y.insert(y.end(), y2.begin() + 4, y2.end());
  REQUIRE(y.size() == 4 * rows.size());
  double dv = 0, dgate = 0;
  for (std::size_t k = 0; k < rows.size(); ++k) {
    dv = std::max(dv, std::abs(y[4 * k] - rows[k][1]));
    for (int g = 1; g < 4; ++g) dgate = std::max(dgate, std::abs(y[4 * k + g] - rows[k][g + 1]));
  }
  MESSAGE("max |V_esbio - V_scipy| over 100 ms: " << dv << " mV; gates: " << dgate);
  CHECK(spikes(t2, y2, 0) == 6);
  CHECK(dv <= 1e-3);
  CHECK(dgate <= 1e-5);
}

namespace {

struct case_draw {
  params p;
  double dt, c;
  state y;
};

// States across the range, with V near the singular points and the Taylor windows' edges.
std::vector<case_draw> draws(int count) {
  std::mt19937_64 rng(1952);
  std::uniform_real_distribution<double> volt(-100, 60), gate(0.001, 0.999), cur(-20, 60);
  const double dts[4] = {0.005, 0.01, 0.05, 0.1};
  const double special[] = {-40, -55, -40.0001, -54.9999, -45, -35, -60, -50, -65, 30};
  std::vector<case_draw> out;
  for (int i = 0; i < count; ++i) {
    case_draw d;
    d.p.T = i % 3 == 0 ? 20 : 6.3;
    d.p.C = i % 5 == 0 ? 2 : 1;
    d.dt = dts[i % 4];
    d.c = cur(rng);
    d.y = {i < 10 ? special[i] : volt(rng), gate(rng), gate(rng), gate(rng)};
    out.push_back(d);
  }
  return out;
}

}  // namespace

TEST_CASE("Hodgkin-Huxley: the fixed step is the scheme's formulas in float64 and float32") {
  double worst_d = 0, worst_gate_ulps = 0, worst_v_ulps = 0;
  for (const auto& d : draws(4000)) {
    // float64 against the whole step in long double.
    state y = d.y;
    hodgkin_huxley::step(hodgkin_huxley::prepare<double>(d.p, d.dt), input_of<double>(d.c),
                         state_view<double>{y.data()});
    const auto want = hf::scheme(d.p, d.dt, d.c, {ld(d.y[0]), ld(d.y[1]), ld(d.y[2]), ld(d.y[3])});
    for (int i = 0; i < 4; ++i) worst_d = std::max(worst_d, double(std::abs(y[i] - want[i])));

    // float32: the gates against the formulas at the same float inputs, and V against the V
    // update from the new gates. Errors in float ulps of the step's change: its terms'
    // magnitudes, (x_inf + |x|)(1 - e^{-z}) for a gate and (|c| + sum |g (E - V)|)/(1/dt + G)
    // for V, beside half an ulp of the result for its final rounding.
    const float eps = std::numeric_limits<float>::epsilon();
    std::array<float, 4> f{float(d.y[0]), float(d.y[1]), float(d.y[2]), float(d.y[3])};
    const float cf = float(d.c);
    const std::array<ld, 4> in{f[0], f[1], f[2], f[3]};
    hodgkin_huxley::step(hodgkin_huxley::prepare<float>(d.p, d.dt), input_of<float>(cf),
                         state_view<float>{f.data()});
    const auto gates = hf::scheme_gates(d.p, d.dt, in);
    for (int g = 0; g < 3; ++g) {
      const ld scale = (gates.x_inf[g] + std::abs(in[g + 1])) * (1 - gates.decay[g]);
      const ld err = std::abs(f[g + 1] - gates.y[g + 1]);
      const ld half_ulp = std::abs(gates.y[g + 1]) * eps / 2;
      worst_gate_ulps =
          std::max(worst_gate_ulps, double(std::max(ld(0), err - half_ulp) / (eps * scale)));
    }
    const ld v_want = hf::scheme_voltage(d.p, d.dt, cf, in[0], f[1], f[2], f[3]);
    const ld g_na = d.p.gNa * ld(f[1]) * f[1] * f[1] * f[2] / d.p.C,
             g_k = d.p.gK * ld(f[3]) * f[3] * f[3] * f[3] / d.p.C, g_l = d.p.gL / d.p.C;
    const ld v_scale = (std::abs(ld(cf)) + g_na * std::abs(d.p.ENa - in[0]) +
                        g_k * std::abs(d.p.EK - in[0]) + g_l * std::abs(d.p.EL - in[0])) /
                       (1 / ld(d.dt) + g_na + g_k + g_l);
    const ld v_err = std::max(ld(0), std::abs(f[0] - v_want) - std::abs(v_want) * eps / 2);
    worst_v_ulps = std::max(worst_v_ulps, double(v_err / (eps * v_scale)));
  }
  MESSAGE("float64 step vs the formulas: max |difference| " << worst_d);
  MESSAGE("float32 step vs the formulas, in ulps of the step's change: gates "
          << worst_gate_ulps << ", V " << worst_v_ulps);
  CHECK(worst_d <= 1e-12);
  CHECK(worst_gate_ulps <= 4);
  CHECK(worst_v_ulps <= 4);
}

TEST_CASE("Hodgkin-Huxley: step_vjp is the exact reverse of step (central differences)") {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal;
  const double u = std::numeric_limits<double>::epsilon() / 2;
  double worst = 0, worst_f = 0;
  auto draw_list = draws(400);
  // Beyond the clamp (the rates' slopes vanish there) and at its edge's neighbourhood.
  for (double v : {-250.0, -199.0, 199.0, 250.0}) {
    auto d = draw_list[11];
    d.y[0] = v;
    draw_list.push_back(d);
  }
  for (const auto& d : draw_list) {
    const auto k = hodgkin_huxley::prepare<double>(d.p, d.dt);
    const auto advance = [&](state y, double c) {
      hodgkin_huxley::step(k, input_of<double>(c), state_view<double>{y.data()});
      return y;
    };
    const state l_new{normal(rng), normal(rng), normal(rng), normal(rng)};
    const state y_new = advance(d.y, d.c);
    state l = l_new;
    const double dc = hodgkin_huxley::step_vjp(k, state_view<const double>{d.y.data()},
                                               state_view<const double>{y_new.data()},
                                               state_view<double>{l.data()});
    const auto dot = [&](const state& a, const state& b) {
      double s = 0;
      for (int i = 0; i < 4; ++i) s += l_new[i] * (a[i] - b[i]);
      return s;
    };
    // Five-point differences, h = 1e-3 in V and c (V+ is linear in c and smooth on a 10 mV scale
    // in V) and 1e-4 in the gates (V+ is rational in them, with gNa dt up to 12 in its
    // denominator): the truncation is below the rounding, u |l| |y+| / h, that sets the tolerance.
    double noise = 0;
    for (int i = 0; i < 4; ++i) noise += std::abs(l_new[i]) * (1 + std::abs(y_new[i]));
    noise *= 64 * u;
    for (int j = 0; j <= 4; ++j) {
      const double h = j == 1 || j == 2 || j == 3 ? 1e-4 : 1e-3;
      const auto moved = [&](double offset) {
        state y = d.y;
        double c = d.c;
        (j < 4 ? y[j] : c) += offset;
        return advance(y, c);
      };
      double fd = (8 * dot(moved(h), moved(-h)) - dot(moved(2 * h), moved(-2 * h))) / (12 * h);
      double tol = 1e-9 * std::abs(fd) + noise / h;
      if (j == 4) {  // step_vjp returns dL/dc over dt
        fd /= d.dt;
        tol /= d.dt;
      }
      const double err = std::abs((j < 4 ? l[j] : dc) - fd) / tol;
      CHECK(err <= 1);
      worst = std::max(worst, err);
    }
    // float32's reverse at the same (float) point, against float64's.
    const auto kf = hodgkin_huxley::prepare<float>(d.p, d.dt);
    std::array<float, 4> yf{float(d.y[0]), float(d.y[1]), float(d.y[2]), float(d.y[3])};
    const std::array<float, 4> yf_old = yf;
    hodgkin_huxley::step(kf, input_of<float>(float(d.c)), state_view<float>{yf.data()});
    std::array<float, 4> lf{float(l_new[0]), float(l_new[1]), float(l_new[2]), float(l_new[3])};
    const float dcf =
        hodgkin_huxley::step_vjp(kf, state_view<const float>{yf_old.data()},
                                 state_view<const float>{yf.data()}, state_view<float>{lf.data()});
    state yd{yf_old[0], yf_old[1], yf_old[2], yf_old[3]}, ld_new{lf[0], lf[1], lf[2], lf[3]};
    state yd_new = advance(yd, double(float(d.c)));
    state lref{double(float(l_new[0])), double(float(l_new[1])), double(float(l_new[2])),
               double(float(l_new[3]))};
    const double dcd = hodgkin_huxley::step_vjp(k, state_view<const double>{yd.data()},
                                                state_view<const double>{yd_new.data()},
                                                state_view<double>{lref.data()});
    double norm = std::abs(dcd);
    for (double x : lref) norm = std::max(norm, std::abs(x));
    worst_f = std::max(worst_f, std::abs(dcf - dcd) / norm);
    for (int i = 0; i < 4; ++i) worst_f = std::max(worst_f, std::abs(ld_new[i] - lref[i]) / norm);
  }
  MESSAGE("step_vjp vs central differences: worst error / (1e-9 |fd| + 64 u |l| |y+| / h) "
          << worst << "; float32 vs float64 reverse: " << worst_f << " of the largest");
  CHECK(worst_f < 1e-4);
}

TEST_CASE(
    "Hodgkin-Huxley: the fixed-step scheme converges to the continuous model at first order") {
  // 20 ms at I = 10 from rest (two spikes), V compared every 0.1 ms with a tight BDF solve.
  const params p;
  const state y0 = rest_state(p, 0);
  const double current = 10;
  const auto t = grid(20, 0.1);
  const auto truth = bdf(p, current, y0, t, 1e-11);
  REQUIRE(spikes(t, truth, 0) == 2);
  std::vector<double> errors;
  for (double dt : {0.02, 0.01, 0.005}) {
    const auto k = hodgkin_huxley::prepare<double>(p, dt);
    state y = y0;
    const int per_output = int(std::lround(0.1 / dt));
    double err = 0;
    for (std::size_t o = 1; o < t.size(); ++o) {
      for (int s = 0; s < per_output; ++s)
        hodgkin_huxley::step(k, input_of<double>(current / p.C), state_view<double>{y.data()});
      err = std::max(err, std::abs(y[0] - truth[4 * o]));
    }
    errors.push_back(err);
  }
  MESSAGE("max |V - V_BDF| over 20 ms: dt 0.02 "
          << errors[0] << ", 0.01 " << errors[1] << ", 0.005 " << errors[2] << " mV; ratios "
          << errors[0] / errors[1] << ", " << errors[1] / errors[2]);
  CHECK(std::abs(errors[0] / errors[1] - 2) < 0.15);
  CHECK(std::abs(errors[1] / errors[2] - 2) < 0.15);
}

namespace {

// V every 0.4 ms (a whole number of steps at 0.05, 0.08 and 0.1) of 100 ms at I = 10 from rest,
// by the scheme or by forward Euler on the continuous model; empty once |V| passes 1000 mV.
std::vector<double> fixed_run(const params& p, double dt, bool euler) {
  const auto k = hodgkin_huxley::prepare<double>(p, dt);
  const double current = 10;
  const int per_output = int(std::lround(0.4 / dt));
  state y = rest_state(p, 0);
  std::vector<double> v{y[0]};
  for (int o = 0; o < 250; ++o) {
    for (int s = 0; s < per_output; ++s) {
      if (euler) {
        double dy[4];
        hodgkin_huxley::rates(p, state_view<const double>{y.data()}, current,
                              state_view<double>{dy});
        for (int i = 0; i < 4; ++i) y[i] += dt * dy[i];
      } else {
        hodgkin_huxley::step(k, input_of<double>(current / p.C), state_view<double>{y.data()});
      }
      if (!(std::abs(y[0]) < 1e3)) return {};
    }
    v.push_back(y[0]);
  }
  return v;
}

int upward_crossings(const std::vector<double>& v) {
  int count = 0;
  for (std::size_t k = 1; k < v.size(); ++k) count += v[k - 1] < 0 && v[k] >= 0;
  return count;
}

}  // namespace

TEST_CASE("Hodgkin-Huxley: the fixed-step scheme is stable where forward Euler is not") {
  // 100 ms at I = 10 from rest. At 6.3 degrees C (seven spikes) the most negative eigenvalue of
  // the Jacobian along the trajectory is -36/ms (gNa m^3 h at the upstroke: G up to 37 mS/cm^2),
  // so forward Euler needs dt < 0.055: it survives dt = 0.05 and diverges from 0.08. At 30
  // degrees C every rate is 13.6 times faster (the neuron is in heat block: no spike reaches
  // 0 mV), the m gate's reaches 57/ms (dt < 0.035), and forward Euler diverges at 0.05. The
  // scheme stays bounded at every one of them and keeps the continuous model's spike count (and
  // at 30 degrees C its trajectory, to a fraction of a mV).
  params p;
  const auto t = grid(100, 0.4);
  for (double temperature : {6.3, 30.0}) {
    p.T = temperature;
    const auto truth = bdf(p, 10, rest_state(p, 0), t, 1e-10);
    std::vector<double> v_truth;
    for (std::size_t k = 0; k < t.size(); ++k) v_truth.push_back(truth[4 * k]);
    const int want = upward_crossings(v_truth);
    for (double dt : {0.05, 0.08, 0.1}) {
      const auto v = fixed_run(p, dt, false), v_euler = fixed_run(p, dt, true);
      REQUIRE(v.size() == t.size());
      double top = 0, off = 0;
      for (std::size_t k = 0; k < t.size(); ++k) {
        top = std::max(top, std::abs(v[k]));
        off = std::max(off, std::abs(v[k] - v_truth[k]));
      }
      MESSAGE("T = " << temperature << ", dt = " << dt << ": scheme max |V| " << top << " mV, "
                     << upward_crossings(v) << " spikes (BDF " << want << "), max |V - V_BDF| "
                     << off << " mV; forward Euler "
                     << std::string(v_euler.empty() ? "diverges" : "bounded"));
      CHECK(top < 80);
      CHECK(upward_crossings(v) == want);
      CHECK(v_euler.empty() == (temperature > 20 || dt > 0.06));
      if (temperature > 20) CHECK(off < 1);
    }
  }
}
