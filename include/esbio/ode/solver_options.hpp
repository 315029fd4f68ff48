#pragma once
// How a model is integrated: plain data, free of SUNDIALS, so that tasks can hold and describe
// their solver settings without seeing the library (ode/integrator.hpp does).

#include <vector>

namespace esbio::ode {

enum class method { bdf, adams };
enum class nonlinear_solver { newton, fixed_point };
// Linear solver inside Newton: dense LU (analytic or difference-quotient Jacobian), or GMRES with
// the system's preconditioner if it has one and its Jacobian-vector products if it has them
// (difference quotients otherwise, or with analytic_jacobian = false), or the system's
// preconditioner alone (block: a modified Newton iteration on the model's cheap approximation of
// I - gamma J; one right-hand side per iteration and no Krylov products). The adjoint's backward
// problem uses GMRES with the transposed preconditioner when block is chosen.
enum class linear_solver { dense, gmres, block };

// The defaults are what a user gets from the command line ([ode] in tasks/shared_options.hpp):
// Adams with fixed-point iteration, the right pair for the non-stiff spiral of the default run.
struct solver_options {
  method lmm = method::adams;
  nonlinear_solver nls = nonlinear_solver::fixed_point;
  linear_solver ls = linear_solver::dense;
  int krylov_dim = 0;  // GMRES maximum Krylov dimension (0: SUNDIALS' default, 5)
  double rtol = 1e-6;
  double atol = 1e-8;
  std::vector<double> atol_per_component;  // overrides atol where non-empty
  long max_steps_per_output = 5000;        // CVODE's mxstep, between two output times
  long max_steps_total = 1000000;  // work budget in steps, per evaluation (see begin_budget)
  double max_seconds = 0;          // work budget in wall seconds per evaluation (0: none); makes
                                   // results depend on machine speed, so off by default
  // Absolute tolerance of the adjoint's lambda and gradient quadrature (0: atol). Their scale is
  // the loss's, not the state's, so a state-sized atol can swamp small gradient entries.
  double adjoint_atol = 0;
  bool analytic_jacobian = true;  // false: CVODE's difference-quotient Jacobian
  int max_order = 0;              // 0: CVODE's default (5 for BDF, 12 for Adams)
  // The nonlinear iteration stops when its correction's weighted norm, times the method's error
  // constant, falls below this (CVodeSetNonlinConvCoef; 0.1 is CVODE's default). The local error
  // test still bounds every step, so a looser value trades iterations (one right-hand side each)
  // for nothing the test does not see: on task B, 0.5 took 31 % fewer right-hand sides with the
  // same steps and the same error against a tight solve (bench/RESULTS.md).
  double nonlinear_conv_coef = 0.1;
};

}  // namespace esbio::ode
