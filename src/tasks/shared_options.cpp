#include "esbio/tasks/shared_options.hpp"

#include "esbio/core/error.hpp"

namespace esbio::tasks {

const std::vector<option_spec>& solver_option_specs() {
  static const std::vector<option_spec> specs{
      {"ode.method", "adams", "model integrator: bdf | adams (CVODES linear multistep family)"},
      {"ode.nonlinear", "fixedpoint",
       "nonlinear solver: newton (dense, analytic Jacobian) | fixedpoint"},
      {"ode.linear_solver", "dense",
       "Newton's linear solver: dense (LU) | gmres (Krylov, model preconditioner) | block (the "
       "model preconditioner alone; task evidence only)"},
      {"ode.krylov_dim", "0", "gmres: maximum Krylov dimension (0: SUNDIALS' default)"},
      {"ode.jacobian", "analytic",
       "Newton Jacobian (dense) or Jacobian-vector product (gmres): analytic | fd (difference "
       "quotients)"},
      {"ode.nonlinear_conv_coef", "0.1",
       "stop the nonlinear iteration when its scaled correction is below this (CVODE's "
       "default 0.1; the local error test still bounds each step)"},
      {"ode.rtol", "1e-6", "relative tolerance of the model solves"},
      {"ode.atol", "1e-8", "absolute tolerance of the model solves"},
      {"ode.atol_per_component", "none",
       "comma-separated absolute tolerance per state component, replaces ode.atol (none: off)"},
      {"ode.adjoint_atol", "0",
       "method = bp: absolute tolerance of the adjoint and its gradient quadrature (0: ode.atol)"},
      {"ode.max_steps", "1000000", "per-evaluation step budget; beyond it the member fails"},
      {"ode.max_seconds", "0", "per-evaluation wall-time budget in s (0: none; not reproducible)"},
  };
  return specs;
}

ode::solver_options read_solver_options(setting_reader& r, bool model_has_blocks) {
  ode::solver_options o;
  o.lmm = r.choice("ode.method", {"bdf", "adams"}) == 0 ? ode::method::bdf : ode::method::adams;
  o.nls = r.choice("ode.nonlinear", {"newton", "fixedpoint"}) == 0
              ? ode::nonlinear_solver::newton
              : ode::nonlinear_solver::fixed_point;
  o.analytic_jacobian = r.choice("ode.jacobian", {"analytic", "fd"}) == 0;
  constexpr ode::linear_solver solvers[] = {ode::linear_solver::dense, ode::linear_solver::gmres,
                                            ode::linear_solver::block};
  o.ls = solvers[r.choice("ode.linear_solver", {"dense", "gmres", "block"})];
  if (o.ls == ode::linear_solver::block && !model_has_blocks)
    throw input_error(
        "ode.linear_solver = block needs a model with a block preconditioner (task evidence); "
        "use dense or gmres");
  o.krylov_dim = static_cast<int>(r.count("ode.krylov_dim", 0, 1000));
  o.nonlinear_conv_coef = r.real("ode.nonlinear_conv_coef", true);
  o.rtol = r.real("ode.rtol", true);
  o.atol = r.real("ode.atol", true);
  o.atol_per_component = r.reals("ode.atol_per_component", "none");
  o.adjoint_atol = r.real("ode.adjoint_atol", false, true);
  o.max_steps_total = static_cast<long>(r.count("ode.max_steps", 1));
  o.max_seconds = r.real("ode.max_seconds", false, true);
  return o;
}

const std::vector<option_spec>& neuron_option_specs() {
  static const std::vector<option_spec> specs{
      {"neuron.C", "20", "Morris-Lecar capacitance (uF/cm^2)"},
      {"neuron.gCa", "4", "calcium conductance (mS/cm^2)"},
      {"neuron.ECa", "120", "calcium reversal (mV)"},
      {"neuron.gK", "8", "potassium conductance"},
      {"neuron.EK", "-84", "potassium reversal"},
      {"neuron.gL", "2", "leak conductance"},
      {"neuron.EL", "-60", "leak reversal"},
      {"neuron.V1", "-1.2", "m_inf half-activation (mV)"},
      {"neuron.V2", "18", "m_inf slope (mV)"},
      {"neuron.V3", "12", "w_inf half-activation (mV)"},
      {"neuron.V4", "17", "w_inf slope (mV)"},
      {"neuron.phi", "0.0666666666666666667", "w rate factor (1/ms)"},
  };
  return specs;
}

models::morris_lecar::params read_neuron(setting_reader& r) {
  models::morris_lecar::params n;
  n.C = r.real("neuron.C", true);
  n.gCa = r.real("neuron.gCa", false, true);
  n.ECa = r.real("neuron.ECa");
  n.gK = r.real("neuron.gK", false, true);
  n.EK = r.real("neuron.EK");
  n.gL = r.real("neuron.gL", false, true);
  n.EL = r.real("neuron.EL");
  n.V1 = r.real("neuron.V1");
  n.V2 = r.real("neuron.V2", true);
  n.V3 = r.real("neuron.V3");
  n.V4 = r.real("neuron.V4", true);
  n.phi = r.real("neuron.phi", true);
  return n;
}

void check_atol_components(const ode::solver_options& o, std::size_t n, const std::string& task) {
  const auto k = o.atol_per_component.size();
  if (k != 0 && k != n)
    throw input_error("ode.atol_per_component needs " + std::to_string(n) + " values for task " +
                      task + " (one per state), got " + std::to_string(k));
}

std::vector<option_spec> joined(std::initializer_list<const std::vector<option_spec>*> parts) {
  std::vector<option_spec> out;
  for (const auto* p : parts) out.insert(out.end(), p->begin(), p->end());
  return out;
}

}  // namespace esbio::tasks
