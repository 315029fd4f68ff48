#pragma once
// The neuron models esbio knows, by name, without their types: what the configuration, the
// network files, the tasks and the run file need to know about a model (its states, its
// constants with their defaults and units) and how to make its single neuron or its network.
// A model is its own header and source (neuron_model.hpp says what it offers) plus one line in
// src/models/neuron_registry.cpp.

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "esbio/models/network.hpp"
#include "esbio/models/neuron_model.hpp"
#include "esbio/models/single_neuron.hpp"

namespace esbio::models {

struct constant_info {
  std::string name, unit, help;
  double default_value;
  constant_sign sign;
};

struct neuron_model_info {
  std::string name;
  std::vector<std::string> state_names, current_names;  // V first
  std::vector<constant_info> constants;                 // in the model's order
  double default_capacitance;

  std::size_t states() const { return state_names.size(); }
  std::vector<double> defaults() const;
  // The index of a constant or state by name; input_error naming the model's ones otherwise.
  std::size_t constant_index(const std::string& name) const;
  std::size_t state_index(const std::string& name) const;

  // constants: one value per constant, in order.
  std::function<std::unique_ptr<neuron_system>(std::span<const double> constants, double current)>
      make_neuron;
  std::function<void(std::span<const double> constants, double v, std::span<double> state)>
      steady_state;
  std::function<double(std::span<const double> constants)> capacitance;
  std::function<std::unique_ptr<network>(const network_description&, const network_options&)>
      make_network;
};

const std::vector<neuron_model_info>& neuron_models();
// input_error naming the known models when there is none of that name.
const neuron_model_info& find_neuron_model(const std::string& name);

}  // namespace esbio::models
