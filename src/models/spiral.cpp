#include "esbio/models/spiral.hpp"

namespace esbio::models {

int cubic_spiral::rhs(double, const double* y, double* ydot) {
  const double c0 = y[0] * y[0] * y[0], c1 = y[1] * y[1] * y[1];
  ydot[0] = c0 * a_[0][0] + c1 * a_[1][0];
  ydot[1] = c0 * a_[0][1] + c1 * a_[1][1];
  return 0;
}

bool cubic_spiral::jacobian(double, const double* y, double* jac) {
  // Column-major: jac[i + 2*j] = d ydot_i / d y_j = 3 y_j^2 A_ji.
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j) jac[i + 2 * j] = 3.0 * y[j] * y[j] * a_[j][i];
  return true;
}

}  // namespace esbio::models
