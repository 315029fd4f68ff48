#pragma once
// Option sections more than one task reads: [ode] (how the model is integrated) and [neuron]
// (the Morris-Lecar constants of tasks A and B). A task's schema includes them at its members
// (registry.hpp); their defaults are the structs' own.

#include <string>

#include "esbio/core/schema.hpp"
#include "esbio/models/morris_lecar.hpp"
#include "esbio/ode/solver_options.hpp"

namespace esbio::tasks {

const schema<ode::solver_options>& solver_schema();
// ode.linear_solver = block needs a model with a block preconditioner (model_has_blocks: task
// evidence); an input_error otherwise.
void check_linear_solver(const ode::solver_options& o, bool model_has_blocks);

const schema<models::morris_lecar::params>& neuron_schema();

// ode.atol_per_component must be empty or have one entry per state of the task's system (n);
// an input_error naming the task otherwise.
void check_atol_components(const ode::solver_options& o, std::size_t n, const std::string& task);

}  // namespace esbio::tasks
