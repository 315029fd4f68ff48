#pragma once
// The option section every task reads: [ode] (how the model is integrated; the neuron tasks'
// [neuron] is tasks/neuron_spec.hpp). A task's schema includes it at its solver member
// (registry.hpp); its defaults are the struct's own.

#include <string>

#include "esbio/core/schema.hpp"
#include "esbio/ode/solver_options.hpp"

namespace esbio::tasks {

const schema<ode::solver_options>& solver_schema();
// ode.linear_solver = block needs a model with a block preconditioner (model_has_blocks: task
// evidence); an input_error otherwise.
void check_linear_solver(const ode::solver_options& o, bool model_has_blocks);

// ode.atol_per_component must be empty or have one entry per state of the task's system (n);
// an input_error naming the task otherwise.
void check_atol_components(const ode::solver_options& o, std::size_t n, const std::string& task);

}  // namespace esbio::tasks
