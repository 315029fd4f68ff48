#pragma once
// What a model must offer an integrator: dy/dt = f(t, y) and, for implicit methods, the dense
// Jacobian df/dy; for the adjoint (BP), the vector-Jacobian products with respect to the state
// and to the model's parameters p. Models implement this without knowing which solver runs them.
// The evaluation functions are not const: a system is per-rank working state (an evaluator owns
// it), and its scratch buffers are its own business, not hidden behind `mutable`.

#include <cstddef>

namespace esbio::ode {

class system {
 public:
  virtual ~system() = default;
  virtual std::size_t size() const = 0;
  // f(t, y) into ydot. Return 0 on success, > 0 for a recoverable failure (the solver retries with
  // a smaller step), < 0 for an unrecoverable one.
  virtual int rhs(double t, const double* y, double* ydot) = 0;
  // Dense Jacobian J(i, j) = df_i/dy_j written column-major into jac (size()*size() entries,
  // zeroed by the caller). Return false if the model has no analytic Jacobian.
  virtual bool jacobian(double t, const double* y, double* jac) = 0;

  // Optional preconditioner for iterative linear solvers: an approximation P of I - gamma J that
  // is cheap to invert. setup may cache factorisations; solve returns z = P^-1 r.
  // Return 0 on success, > 0 for a recoverable failure.
  virtual bool has_preconditioner() const { return false; }
  virtual int precondition_setup(double t, const double* y, double gamma) {
    (void)t, (void)y, (void)gamma;
    return -1;
  }
  virtual int precondition_solve(const double* r, double* z) {
    (void)r, (void)z;
    return -1;
  }

  // The adjoint's preconditioner: z = P^-T r for the P of the last precondition_setup. The
  // backward problem's Newton matrix I + gamma J^T is the transpose of I - (-gamma) J, so the
  // integrator sets up with -gamma and solves with the transpose.
  virtual bool has_transposed_preconditioner() const { return false; }
  virtual int precondition_solve_transposed(const double* r, double* z) {
    (void)r, (void)z;
    return -1;
  }

  // Optional Jacobian-vector product out = J(t, y) v for Krylov solvers; false: the solver falls
  // back to difference quotients of rhs().
  virtual bool jvp(double t, const double* y, const double* v, double* out) {
    (void)t, (void)y, (void)v, (void)out;
    return false;
  }
  // The same product split for a Krylov solve, which multiplies many v at one y: jvp_setup
  // caches the linearisation at (t, y) (the transcendental part), jvp_apply then costs only the
  // coupling product. A system with has_jvp() provides all three; 0 success, > 0 recoverable.
  virtual bool has_jvp() const { return false; }
  virtual int jvp_setup(double t, const double* y) {
    (void)t, (void)y;
    return -1;
  }
  virtual int jvp_apply(const double* v, double* out) {
    (void)v, (void)out;
    return -1;
  }

  // The adjoint's needs. p is whatever the model was bound to (weights, input gains), in the
  // model's own documented order; the task maps dL/dp back into theta.
  virtual std::size_t parameter_count() const { return 0; }
  // Vector-Jacobian products at (t, y): out_y = J^T lambda (size() entries) and
  // out_p = (df/dp)^T lambda (parameter_count() entries), both overwritten; either pointer may
  // be null. Return false if the model has no analytic VJP (it then cannot be trained by BP).
  virtual bool vjp(double t, const double* y, const double* lambda, double* out_y, double* out_p) {
    (void)t, (void)y, (void)lambda, (void)out_y, (void)out_p;
    return false;
  }
};

}  // namespace esbio::ode
