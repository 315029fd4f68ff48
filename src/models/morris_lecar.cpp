#include "esbio/models/morris_lecar.hpp"

namespace esbio::models {

std::span<const model_constant<morris_lecar::params>> morris_lecar::constants() {
  using p = params;
  using s = constant_sign;
  static const model_constant<p> table[] = {
      {"C", &p::C, "uF/cm^2", s::positive, "membrane capacitance"},
      {"gCa", &p::gCa, "mS/cm^2", s::non_negative, "calcium conductance"},
      {"ECa", &p::ECa, "mV", s::any, "calcium reversal potential"},
      {"gK", &p::gK, "mS/cm^2", s::non_negative, "potassium conductance"},
      {"EK", &p::EK, "mV", s::any, "potassium reversal potential"},
      {"gL", &p::gL, "mS/cm^2", s::non_negative, "leak conductance"},
      {"EL", &p::EL, "mV", s::any, "leak reversal potential"},
      {"V1", &p::V1, "mV", s::any, "m_inf half-activation"},
      {"V2", &p::V2, "mV", s::positive, "m_inf slope"},
      {"V3", &p::V3, "mV", s::any, "w_inf half-activation"},
      {"V4", &p::V4, "mV", s::positive, "w_inf slope"},
      {"phi", &p::phi, "1/ms", s::positive, "w rate factor"},
  };
  return table;
}

}  // namespace esbio::models
