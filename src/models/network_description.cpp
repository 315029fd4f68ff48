#include "esbio/models/network_description.hpp"

#include <cmath>
#include <string>

#include "esbio/core/error.hpp"
#include "esbio/core/hash.hpp"
#include "esbio/models/neuron_registry.hpp"

namespace esbio::models {

std::size_t network_description::neurons() const {
  std::size_t n = 0;
  for (const auto& p : populations) n += p.count;
  return n;
}

std::pair<std::size_t, std::size_t> network_description::locate(std::size_t neuron) const {
  for (std::size_t p = 0; p < populations.size(); ++p) {
    if (neuron < populations[p].count) return {p, neuron};
    neuron -= populations[p].count;
  }
  throw std::out_of_range("network: no neuron " + std::to_string(neuron));
}

const std::string& network_description::model() const {
  if (populations.empty()) throw input_error("the network has no population");
  return populations.front().model;
}

namespace {

void check_size(const std::vector<double>& v, std::size_t want, const std::string& what,
                bool optional) {
  if (optional && v.empty()) return;
  if (v.size() != want)
    throw input_error(what + " has " + std::to_string(v.size()) + " values where " +
                      std::to_string(want) + " are needed");
}

void check_finite(const std::vector<double>& v, const std::string& what) {
  for (std::size_t k = 0; k < v.size(); ++k)
    if (!std::isfinite(v[k]))
      throw input_error(what + " holds a non-finite value at index " + std::to_string(k));
}

}  // namespace

void network_description::validate() const {
  if (populations.empty()) throw input_error("the network has no population");
  for (const auto& p : populations) {
    const std::string where = "population '" + p.name + "'";
    if (p.count == 0) throw input_error(where + " has no neurons (count 0)");
    if (p.model != model())
      throw input_error(where + " is " + p.model + " where population '" +
                        populations.front().name + "' is " + model() +
                        ": a network has one neuron model");
    const auto& info = find_neuron_model(p.model);
    for (const auto& [name, values] : p.constants) {
      const auto& c = info.constants[info.constant_index(name)];
      if (values.size() != 1 && values.size() != p.count)
        throw input_error(where + " constant " + name + " has " + std::to_string(values.size()) +
                          " values: give 1 or one per neuron (" + std::to_string(p.count) + ")");
      for (double x : values) {
        if (!std::isfinite(x)) throw input_error(where + " constant " + name + " is not finite");
        if (c.sign == constant_sign::positive && !(x > 0))
          throw input_error(where + " constant " + name + " must be positive");
        if (c.sign == constant_sign::non_negative && x < 0)
          throw input_error(where + " constant " + name + " must not be negative");
      }
    }
    for (const auto& [name, values] : p.initial) {
      const auto s = info.state_index(name);
      if (s == 0) throw input_error(where + ": V starts from V0_mean and V0_sd, not 'initial'");
      if (values.size() != 1 && values.size() != p.count)
        throw input_error(where + " initial " + name + " has " + std::to_string(values.size()) +
                          " values: give 1 or one per neuron");
      check_finite(values, where + " initial " + name);
    }
    if (!std::isfinite(p.v0_mean) || !std::isfinite(p.v0_sd) || p.v0_sd < 0)
      throw input_error(where + " V0_mean and V0_sd must be finite, V0_sd not negative");
    if (coupling == coupling_kind::conductance &&
        (!std::isfinite(p.e_syn) || !(p.alpha >= 0) || !(p.beta >= 0) || !std::isfinite(p.alpha) ||
         !std::isfinite(p.beta)))
      throw input_error(where + " E_syn must be finite and alpha, beta finite and not negative");
  }
  const std::size_t n = neurons();
  check_size(w_rec, n * n, "recurrent W", false);
  check_size(mask, n * n, "recurrent mask", true);
  check_size(sign, n, "recurrent sign", true);
  check_size(w_in, channels * n, "input W", false);
  check_size(w_out, outputs * n, "readout W", false);
  check_size(b_out, outputs, "readout b", false);
  check_finite(w_rec, "recurrent W");
  check_finite(w_in, "input W");
  check_finite(w_out, "readout W");
  check_finite(b_out, "readout b");
  for (double m : mask)
    if (m != 0 && m != 1) throw input_error("recurrent mask holds a value that is not 0 or 1");
  for (double s : sign)
    if (s != 1 && s != -1) throw input_error("recurrent sign holds a value that is not +1 or -1");
  if (!std::isfinite(syn_gain) || !std::isfinite(input_gain) || !std::isfinite(input_offset) ||
      !std::isfinite(iapp) || !std::isfinite(vt))
    throw input_error("the network's gains, offsets and Vt must be finite");
  if (!(kp > 0) || !std::isfinite(kp)) throw input_error("readout Kp must be positive");
  if (!(window_from_end_ms > window_to_end_ms) || window_to_end_ms < 0)
    throw input_error(
        "readout window_ms must be [start, end] counted back from the end, start > end >= 0");
}

std::uint64_t network_description::hash() const {
  std::uint64_t h = fnv1a(std::string_view("esbio-network 1"));
  const auto num = [&](double x) { h = fnv1a(std::span<const double>(&x, 1), h); };
  const auto vec = [&](const std::vector<double>& v) {
    num(static_cast<double>(v.size()));
    h = fnv1a(v, h);
  };
  const auto text = [&](const std::string& s) {
    num(static_cast<double>(s.size()));
    h = fnv1a(s, h);
  };
  num(static_cast<double>(populations.size()));
  for (const auto& p : populations) {
    text(p.name);
    text(p.model);
    num(static_cast<double>(p.count));
    for (const auto* m : {&p.constants, &p.initial}) {
      num(static_cast<double>(m->size()));
      for (const auto& [k, v] : *m) {
        text(k);
        vec(v);
      }
    }
    for (double x : {p.v0_mean, p.v0_sd, p.e_syn, p.alpha, p.beta}) num(x);
  }
  num(coupling == coupling_kind::current ? 0 : 1);
  for (const auto* v : {&w_rec, &mask, &sign, &w_in, &w_out, &b_out}) vec(*v);
  for (double x : {syn_gain, static_cast<double>(channels), input_gain, input_offset, iapp,
                   static_cast<double>(outputs), readout == readout_variable::rate ? 1.0 : 0.0,
                   window_from_end_ms, window_to_end_ms, vt, kp})
    num(x);
  num(static_cast<double>(trainable.size()));
  for (const auto& t : trainable) text(t);
  num(static_cast<double>(bounds.size()));
  for (const auto& [k, b] : bounds) {
    text(k);
    num(b.first);
    num(b.second);
  }
  return h;
}

}  // namespace esbio::models
