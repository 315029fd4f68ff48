#include "esbio/models/hodgkin_huxley.hpp"

namespace esbio::models {

std::span<const model_constant<hodgkin_huxley::params>> hodgkin_huxley::constants() {
  using p = params;
  using s = constant_sign;
  static const model_constant<p> table[] = {
      {"C", &p::C, "uF/cm^2", s::positive, "membrane capacitance"},
      {"gNa", &p::gNa, "mS/cm^2", s::non_negative, "maximal sodium conductance"},
      {"ENa", &p::ENa, "mV", s::any, "sodium reversal potential"},
      {"gK", &p::gK, "mS/cm^2", s::non_negative, "maximal potassium conductance"},
      {"EK", &p::EK, "mV", s::any, "potassium reversal potential"},
      {"gL", &p::gL, "mS/cm^2", s::non_negative, "leak conductance"},
      {"EL", &p::EL, "mV", s::any, "leak reversal potential"},
      {"T", &p::T, "degC", s::any,
       "temperature; every rate is multiplied by 3^((T - 6.3)/10) (Q10 = 3)"},
  };
  return table;
}

}  // namespace esbio::models
