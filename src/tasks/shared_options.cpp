#include "esbio/tasks/shared_options.hpp"

#include "esbio/core/error.hpp"

namespace esbio::tasks {

const schema<ode::solver_options>& solver_schema() {
  using o = ode::solver_options;
  using namespace codecs;
  static const auto s =
      schema<o>()
          .field("ode.method", &o::lmm,
                 choice<ode::method>({{"bdf", ode::method::bdf}, {"adams", ode::method::adams}}),
                 "model integrator: bdf | adams (CVODES linear multistep family)")
          .field(
              "ode.nonlinear", &o::nls,
              choice<ode::nonlinear_solver>({{"newton", ode::nonlinear_solver::newton},
                                             {"fixedpoint", ode::nonlinear_solver::fixed_point}}),
              "nonlinear solver: newton (dense, analytic Jacobian) | fixedpoint")
          .field("ode.linear_solver", &o::ls,
                 choice<ode::linear_solver>({{"dense", ode::linear_solver::dense},
                                             {"gmres", ode::linear_solver::gmres},
                                             {"block", ode::linear_solver::block}}),
                 "Newton's linear solver: dense (LU) | gmres (Krylov, model preconditioner) | "
                 "block (the model preconditioner alone; task evidence only)")
          .field("ode.krylov_dim", &o::krylov_dim, count<int>(0, 1000),
                 "gmres: maximum Krylov dimension (0: SUNDIALS' default)")
          .field("ode.jacobian", &o::analytic_jacobian,
                 choice<bool>({{"analytic", true}, {"fd", false}}),
                 "Newton Jacobian (dense) or Jacobian-vector product (gmres): analytic | fd "
                 "(difference quotients)")
          .field("ode.nonlinear_conv_coef", &o::nonlinear_conv_coef, real(real_sign::positive),
                 "stop the nonlinear iteration when its scaled correction is below this (CVODE's "
                 "default 0.1; the local error test still bounds each step)")
          .field("ode.rtol", &o::rtol, real(real_sign::positive),
                 "relative tolerance of the model solves")
          .field("ode.atol", &o::atol, real(real_sign::positive),
                 "absolute tolerance of the model solves")
          .field("ode.atol_per_component", &o::atol_per_component, reals("none"),
                 "comma-separated absolute tolerance per state component, replaces ode.atol "
                 "(none: off)")
          .field("ode.adjoint_atol", &o::adjoint_atol, real(real_sign::non_negative),
                 "method = bp: absolute tolerance of the adjoint and its gradient quadrature (0: "
                 "ode.atol)")
          .field("ode.max_steps", &o::max_steps_total, count<long>(1),
                 "per-evaluation step budget; beyond it the member fails")
          .field("ode.max_seconds", &o::max_seconds, real(real_sign::non_negative),
                 "per-evaluation wall-time budget in s (0: none; not reproducible)");
  return s;
}

void check_linear_solver(const ode::solver_options& o, bool model_has_blocks) {
  if (o.ls == ode::linear_solver::block && !model_has_blocks)
    throw input_error(
        "ode.linear_solver = block needs a model with a block preconditioner (task evidence); "
        "use dense or gmres");
}

void check_atol_components(const ode::solver_options& o, std::size_t n, const std::string& task) {
  const auto k = o.atol_per_component.size();
  if (k != 0 && k != n)
    throw input_error("ode.atol_per_component needs " + std::to_string(n) + " values for task " +
                      task + " (one per state), got " + std::to_string(k));
}

}  // namespace esbio::tasks
