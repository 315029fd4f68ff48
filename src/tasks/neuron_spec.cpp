#include "esbio/tasks/neuron_spec.hpp"

#include <set>

#include "esbio/core/error.hpp"
#include "esbio/core/values.hpp"

namespace esbio::tasks {

std::vector<double> neuron_spec::values() const {
  const auto& m = info();
  auto v = m.defaults();
  for (const auto& [name, x] : given)
    for (std::size_t k = 0; k < m.constants.size(); ++k)
      if (m.constants[k].name == name) v[k] = x;
  return v;
}

double neuron_spec::value(const std::string& name) const {
  return values()[info().constant_index(name)];
}

void neuron_spec::validate() const {
  const auto& m = info();
  for (const auto& [name, x] : given) {
    const auto it = std::find_if(m.constants.begin(), m.constants.end(),
                                 [&](const auto& c) { return c.name == name; });
    if (it == m.constants.end()) {
      std::string known;
      for (const auto& c : m.constants) known += (known.empty() ? "" : ", ") + c.name;
      throw input_error("neuron." + name + " is not a constant of neuron.model = " + model +
                        " (its constants: " + known + ")");
    }
    if (it->sign == models::constant_sign::positive && !(x > 0))
      throw input_error("neuron." + name + " must be positive (" + it->help + ")");
    if (it->sign == models::constant_sign::non_negative && x < 0)
      throw input_error("neuron." + name + " must not be negative (" + it->help + ")");
  }
}

const schema<neuron_spec>& neuron_schema() {
  static const auto s = [] {
    schema<neuron_spec> out;
    std::vector<std::string> names;
    for (const auto& m : models::neuron_models()) names.push_back(m.name);
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : " | ") + n;
    out.custom(
        "neuron.model",
        [names](neuron_spec& n, const std::string& text) {
          if (std::find(names.begin(), names.end(), text) == names.end())
            models::find_neuron_model(text);  // input_error naming the known models
          n.model = text;
        },
        [](const neuron_spec& n) { return n.model; },
        "the neuron model: " + list + " (docs/science.md 1)");
    // Every constant of every model, once; its help names the models that have it.
    std::map<std::string, std::string> help;
    std::vector<std::string> order;
    for (const auto& m : models::neuron_models())
      for (const auto& c : m.constants) {
        if (!help.count(c.name)) order.push_back(c.name);
        auto& h = help[c.name];
        h += (h.empty() ? "" : "; ") + m.name + ": " + c.help + " (" + c.unit + ", " +
             format_real(c.default_value) + ")";
      }
    for (const auto& name : order)
      out.custom(
          "neuron." + name,
          [name](neuron_spec& n, const std::string& text) {
            if (text == "default") {
              n.given.erase(name);
              return;
            }
            n.given[name] = parse_real("neuron." + name, text);
          },
          [name](const neuron_spec& n) {
            const auto& m = n.info();
            for (std::size_t k = 0; k < m.constants.size(); ++k)
              if (m.constants[k].name == name) return format_real(n.values()[k]);
            return std::string("default");
          },
          help[name],
          [name](const neuron_spec& n) {
            const auto& m = n.info();
            return std::any_of(m.constants.begin(), m.constants.end(),
                               [&](const auto& c) { return c.name == name; });
          },
          "default");
    return out;
  }();
  return s;
}

}  // namespace esbio::tasks
