#include "esbio/models/robertson.hpp"

#include <cmath>
#include <stdexcept>

namespace esbio::models {

int robertson::rhs(double, const double* y, double* ydot) {
  const double a = k_.k1 * y[0], b = k_.k3 * y[1] * y[2], c = k_.k2 * y[1] * y[1];
  ydot[0] = -a + b;
  ydot[1] = a - b - c;
  ydot[2] = c;
  return 0;
}

bool robertson::jacobian(double, const double* y, double* jac) {
  // Column-major: jac[i + 3 j] = d ydot_i / d y_j.
  jac[0] = -k_.k1;
  jac[1] = k_.k1;
  jac[2] = 0.0;
  jac[3] = k_.k3 * y[2];
  jac[4] = -k_.k3 * y[2] - 2.0 * k_.k2 * y[1];
  jac[5] = 2.0 * k_.k2 * y[1];
  jac[6] = k_.k3 * y[1];
  jac[7] = -k_.k3 * y[1];
  jac[8] = 0.0;
  return true;
}

std::vector<double> log_spaced_times(std::size_t n, double t_first, double t_last) {
  if (n < 2 || !(t_first > 0) || !(t_last > t_first))
    throw std::invalid_argument("log_spaced_times: need n >= 2 and 0 < t_first < t_last");
  const double a = std::log10(t_first), b = std::log10(t_last);
  std::vector<double> t(n);
  // Computed as numpy's 10 ** linspace(a, b, n) is, so the SciPy reference sees the same times.
  for (std::size_t k = 0; k < n; ++k) {
    const double step = (b - a) / static_cast<double>(n - 1);
    t[k] = std::pow(10.0, a + static_cast<double>(k) * step);
  }
  t.back() = t_last;
  return t;
}

}  // namespace esbio::models
