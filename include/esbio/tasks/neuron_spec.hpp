#pragma once
// [neuron]: which neuron model a task's neurons are (neuron.model, any model of
// models/neuron_registry.hpp) and its constants, each a key named as the model names it
// (neuron.gNa, neuron.V3); a constant not given takes the model's default. The resolved
// configuration (and so the run file) records every constant of the chosen model as a number,
// and none of another model's; giving another model's constant is refused by name.

#include <map>
#include <string>
#include <vector>

#include "esbio/core/schema.hpp"
#include "esbio/models/neuron_registry.hpp"

namespace esbio::tasks {

struct neuron_spec {
  std::string model = "morris_lecar";
  std::map<std::string, double> given;  // the constants set, by name

  const models::neuron_model_info& info() const { return models::find_neuron_model(model); }
  // Every constant of the model, in its order: the given ones, the others at their defaults.
  std::vector<double> values() const;
  double value(const std::string& name) const;
  // input_error for a constant of another model, or one of the wrong sign.
  void validate() const;
  bool operator==(const neuron_spec&) const = default;
};

const schema<neuron_spec>& neuron_schema();

}  // namespace esbio::tasks
