#pragma once
// Option sections more than one task reads: [ode] (how the model is integrated) and [neuron]
// (the Morris-Lecar constants of tasks A and B). A task lists them in its own schema next to
// its task.* keys (registry.hpp).

#include <string>
#include <vector>

#include "esbio/core/settings.hpp"
#include "esbio/models/morris_lecar.hpp"
#include "esbio/ode/solver_options.hpp"

namespace esbio::tasks {

const std::vector<option_spec>& solver_option_specs();
// model_has_blocks: the task's model offers a block preconditioner, so ode.linear_solver = block
// is accepted.
ode::solver_options read_solver_options(setting_reader& r, bool model_has_blocks = false);

const std::vector<option_spec>& neuron_option_specs();
models::morris_lecar::params read_neuron(setting_reader& r);

// ode.atol_per_component must be empty or have one entry per state of the task's system (n);
// an input_error naming the task otherwise.
void check_atol_components(const ode::solver_options& o, std::size_t n, const std::string& task);

// The concatenation of option lists, in order.
std::vector<option_spec> joined(std::initializer_list<const std::vector<option_spec>*> parts);

}  // namespace esbio::tasks
