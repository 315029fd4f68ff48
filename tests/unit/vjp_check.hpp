#pragma once
// Finite-difference oracle for a model's vector-Jacobian products: J^T lambda against central
// differences of lambda . f(y) in y, and (df/dp)^T lambda against central differences in each
// parameter the model is bound to (the span the test bound, in the model's parameter order).

#include <algorithm>
#include <cmath>
#include <span>
#include <vector>

#include "esbio/ode/system.hpp"

namespace esbio::testing {

struct vjp_errors {
  double state = 0, params = 0;  // largest deviation relative to max(1, |analytic|)
};

inline vjp_errors check_vjp(ode::system& sys, const std::vector<double>& y,
                            const std::vector<double>& lambda, std::span<double> bound,
                            double h_rel = 1e-6) {
  const std::size_t n = sys.size(), p = sys.parameter_count();
  std::vector<double> gy(n), gp(p), f(n);
  sys.vjp(0.0, y.data(), lambda.data(), gy.data(), gp.data());
  const auto dot_f = [&](const std::vector<double>& at) {
    sys.rhs(0.0, at.data(), f.data());
    double s = 0;
    for (std::size_t i = 0; i < n; ++i) s += lambda[i] * f[i];
    return s;
  };
  vjp_errors e;
  for (std::size_t j = 0; j < n; ++j) {
    const double h = h_rel * std::max(1.0, std::abs(y[j]));
    auto yp = y, ym = y;
    yp[j] += h;
    ym[j] -= h;
    const double fd = (dot_f(yp) - dot_f(ym)) / (2 * h);
    e.state = std::max(e.state, std::abs(fd - gy[j]) / std::max(1.0, std::abs(gy[j])));
  }
  for (std::size_t k = 0; k < p && k < bound.size(); ++k) {
    const double keep = bound[k], h = h_rel * std::max(1.0, std::abs(keep));
    bound[k] = keep + h;
    const double up = dot_f(y);
    bound[k] = keep - h;
    const double down = dot_f(y);
    bound[k] = keep;
    const double fd = (up - down) / (2 * h);
    e.params = std::max(e.params, std::abs(fd - gp[k]) / std::max(1.0, std::abs(gp[k])));
  }
  return e;
}

}  // namespace esbio::testing
