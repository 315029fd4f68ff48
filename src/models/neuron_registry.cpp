// The neuron models esbio knows. A new model is its own header and source (neuron_model.hpp)
// plus one line in the list below. This file instantiates every model's network
// (network_of.hpp), so it is compiled with -ffast-math -fopenmp-simd (CMakeLists.txt).
#include "esbio/models/neuron_registry.hpp"

#include <algorithm>

#include "esbio/core/error.hpp"
#include "esbio/models/hodgkin_huxley.hpp"
#include "esbio/models/morris_lecar.hpp"
#include "network_of.hpp"

namespace esbio::models {

const std::vector<neuron_model_info>& neuron_models() {
  static const std::vector<neuron_model_info> models{
      describe_model<morris_lecar>(),
      describe_model<hodgkin_huxley>(),
  };
  return models;
}

const neuron_model_info& find_neuron_model(const std::string& name) {
  std::string known;
  for (const auto& m : neuron_models()) {
    if (m.name == name) return m;
    known += (known.empty() ? "" : ", ") + m.name;
  }
  throw input_error("unknown neuron model '" + name + "' (known: " + known + ")");
}

std::vector<double> neuron_model_info::defaults() const {
  std::vector<double> v;
  for (const auto& c : constants) v.push_back(c.default_value);
  return v;
}

namespace {

template <class T>
std::size_t index_of(const std::vector<T>& items, const std::string& name, const char* what,
                     const std::string& model) {
  std::string known;
  for (std::size_t k = 0; k < items.size(); ++k) {
    const std::string& n = [&]() -> const std::string& {
      if constexpr (std::is_same_v<T, std::string>)
        return items[k];
      else
        return items[k].name;
    }();
    if (n == name) return k;
    known += (known.empty() ? "" : ", ") + n;
  }
  throw input_error(model + " has no " + what + " '" + name + "' (" + what + "s: " + known + ")");
}

}  // namespace

std::size_t neuron_model_info::constant_index(const std::string& c) const {
  return index_of(constants, c, "constant", name);
}

std::size_t neuron_model_info::state_index(const std::string& s) const {
  return index_of(state_names, s, "state", name);
}

std::unique_ptr<network> make_network(const network_description& d,
                                      const network_options& options) {
  d.validate();
  return find_neuron_model(d.model()).make_network(d, options);
}

}  // namespace esbio::models
