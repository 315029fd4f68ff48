#pragma once
// What a model must offer an integrator: dy/dt = f(t, y) and, for implicit methods, the dense
// Jacobian df/dy. Models implement this without knowing which solver runs them.

#include <cstddef>

namespace esbio::ode {

class system {
 public:
  virtual ~system() = default;
  virtual std::size_t size() const = 0;
  // f(t, y) into ydot. Return 0 on success, > 0 for a recoverable failure (the solver retries with
  // a smaller step), < 0 for an unrecoverable one.
  virtual int rhs(double t, const double* y, double* ydot) const = 0;
  // Dense Jacobian J(i, j) = df_i/dy_j written column-major into jac (size()*size() entries,
  // zeroed by the caller). Return false if the model has no analytic Jacobian.
  virtual bool jacobian(double t, const double* y, double* jac) const = 0;

  // Optional preconditioner for iterative linear solvers: an approximation P of I - gamma J that
  // is cheap to invert. setup may cache factorisations; solve returns z = P^-1 r.
  // Return 0 on success, > 0 for a recoverable failure.
  virtual bool has_preconditioner() const { return false; }
  virtual int precondition_setup(double t, const double* y, double gamma) {
    (void)t, (void)y, (void)gamma;
    return -1;
  }
  virtual int precondition_solve(const double* r, double* z) const {
    (void)r, (void)z;
    return -1;
  }
};

}  // namespace esbio::ode
