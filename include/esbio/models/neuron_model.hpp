#pragma once
// What a neuron model is to esbio: a value-free type M with static members, so that the network's
// hot loops (one neuron update per trial, neuron and step) inline its arithmetic and vectorise it.
// Morris-Lecar (morris_lecar.hpp) is the first implementation; a new model is its own header and
// source plus one line in src/models/neuron_registry.cpp.
//
// A model offers:
//   M::name, M::states (V first, then the gates), M::state_names, M::current_names;
//   M::params, a struct of doubles whose in-class initialisers are the model's defaults, and
//   M::constants(), each constant's name (the [neuron] key and the network file's attribute),
//   member, unit, sign and provenance: the one place a constant is declared;
//   the continuous model, in float64 (CVODE integrates it):
//     rates(p, y, I, dy)      dy = f(y, I), I the input current density (uA/cm^2)
//     jacobian(p, y, J)       J = df/dy (states x states, entry r * states + c); f is affine in I
//     with
//                             df_V/dI = 1 / capacitance(p), so J does not depend on I
//     currents(p, y, out)     each ionic current (uA/cm^2, outward positive), as current_names
//     steady_state(p, V, y)   the state with every gate at its steady state for the voltage V
//   the fixed-step scheme, in float32 and float64 (the paper's, or Rush-Larsen for the gates):
//     prepare<real>(p, dt)    the step's constants, computed once per population
//     step(k, in, y)          y <- one step of dt, with c = I / C (mV/ms) held over the step,
//                             given as in.z in.gain + in.bias: the model forms c where it uses
//                             it, late in its update, so that c need not be kept in a register
//                             across the exponentials' calls (a spill and a reload each step)
//     step_vjp(k, y, y_new, l) its reverse: l holds dL/dy_new on entry and dL/dy on return; the
//                             result is dL/dc divided by dt (the network scales it by its
//                             input gain times dt, in one rounding, as the paper's scheme did)
// Every function sees one neuron's state through a state_view: entry s at at[s * stride], so the
// network passes its structure-of-arrays state (stride N, or trials x N) without copying, and a
// single neuron passes a plain array (stride 1). A copy into a local array would not do: inside
// an `omp simd` loop GCC keeps such an array in memory and gives up on vectorising. The hot
// functions (rates, jacobian, step, step_vjp) must be branch-free (selects) and call nothing
// but exp, which libmvec vectorises: the files that instantiate them are compiled with
// -ffast-math -fopenmp-simd (no isfinite there, and no infinity relied on).

#include <array>
#include <concepts>
#include <cstddef>
#include <span>

namespace esbio::models {

enum class constant_sign { any, positive, non_negative };

// One neuron's state (or a block of values per neuron) inside a larger array.
template <class T>
struct state_view {
  T* at;
  std::size_t stride = 1;
  T& operator[](std::size_t s) const { return at[s * stride]; }
};

// A neuron's input over the step, c = I / C = z gain + bias (the network's coupling z mapped
// through its input gain and offset and the neuron's capacitance). z is read where c is formed:
// a value read before the exponentials' calls is kept across them, a spill and a reload a step.
// Passed by value (a struct by reference inside an `omp simd` loop stays in memory).
template <class real>
struct step_input {
  const real* z;
  real gain, bias;
  real c() const { return *z * gain + bias; }
};

// One constant of a neuron model.
template <class P>
struct model_constant {
  const char* name;  // as users write it: neuron.gNa, or the attribute gNa of a population
  double P::*member;
  const char* unit;
  constant_sign sign;
  const char* help;
};

template <class M>
concept neuron_model = requires(const typename M::params& p, state_view<const double> y,
                                state_view<double> out, double v,
                                const typename M::template step_constants<float>& kf,
                                const typename M::template step_constants<double>& kd,
                                state_view<const float> cf, state_view<float> yf,
                                state_view<const double> cd, state_view<double> yd) {
  { M::name } -> std::convertible_to<const char*>;
  requires M::states >= 1;
  requires M::state_names.size() == M::states;
  { M::current_names.size() } -> std::convertible_to<std::size_t>;
  { M::constants() } -> std::convertible_to<std::span<const model_constant<typename M::params>>>;
  { M::capacitance(p) } -> std::same_as<double>;
  M::rates(p, y, v, out);
  M::jacobian(p, y, out);
  M::currents(p, y, out);
  M::steady_state(p, v, out);
  { M::template prepare<float>(p, v) } -> std::same_as<typename M::template step_constants<float>>;
  {
    M::template prepare<double>(p, v)
    } -> std::same_as<typename M::template step_constants<double>>;
  M::step(kf, step_input<float>{nullptr, 1, 0}, yf);
  M::step(kd, step_input<double>{nullptr, 1, 0}, yd);
  { M::step_vjp(kf, cf, cf, yf) } -> std::same_as<float>;
  { M::step_vjp(kd, cd, cd, yd) } -> std::same_as<double>;
};

}  // namespace esbio::models
