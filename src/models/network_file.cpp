#include "esbio/models/network_file.hpp"

#include <cmath>
#include <set>

#include "esbio/core/error.hpp"
#include "esbio/core/values.hpp"
#include "esbio/models/neuron_registry.hpp"

namespace esbio::models {

namespace {

const char* const block_names[] = {"input.W", "recurrent.W", "readout.W", "readout.b"};

data_array matrix(std::size_t rows, std::size_t cols, const std::vector<double>& v) {
  return {{rows, cols}, v, element_type::float64};
}
data_array vector_of(const std::vector<double>& v) {
  return {{v.size()}, v, element_type::float64};
}

// Reading: every lookup names the file and the path of what is wrong.
class reader {
 public:
  explicit reader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const std::string& path, const std::string& problem) const {
    throw input_error("network file '" + file_ + "': " + path + " " + problem);
  }

  const data_group& group(const data_group& parent, const std::string& path,
                          const std::string& name) const {
    const auto it = parent.groups.find(name);
    if (it == parent.groups.end()) {
      if (parent.arrays.count(name)) fail(path + name, "is a dataset where a group belongs");
      fail(path + name, "is missing");
    }
    return it->second;
  }
  const data_array* array(const data_group& g, const std::string& path,
                          const std::string& name) const {
    if (g.groups.count(name)) fail(path + name, "is a group where a dataset belongs");
    const auto it = g.arrays.find(name);
    return it == g.arrays.end() ? nullptr : &it->second;
  }
  const data_array& need_array(const data_group& g, const std::string& path,
                               const std::string& name) const {
    const auto* a = array(g, path, name);
    if (!a) fail(path + name, "is missing");
    return *a;
  }
  // A numeric array of exactly these dimensions, every value finite.
  std::vector<double> values(const data_array& a, const std::string& where,
                             const std::vector<std::size_t>& dims) const {
    if (a.dims != dims)
      fail(where, "has shape " + shape(a.dims) + " where " + shape(dims) + " is needed");
    for (std::size_t k = 0; k < a.values.size(); ++k)
      if (!std::isfinite(a.values[k]))
        fail(where, "holds " + printable_number(a.values[k]) + " at index " + std::to_string(k));
    return a.values;
  }
  const data_attribute* attr(const data_group& g, const std::string& name) const {
    const auto it = g.attrs.find(name);
    return it == g.attrs.end() ? nullptr : &it->second;
  }
  double number(const data_group& g, const std::string& path, const std::string& name) const {
    const auto* a = attr(g, name);
    if (!a) fail(path + " attribute " + name, "is missing");
    return number_of(*a, path + " attribute " + name);
  }
  double number_or(const data_group& g, const std::string& path, const std::string& name,
                   double fallback) const {
    const auto* a = attr(g, name);
    return a ? number_of(*a, path + " attribute " + name) : fallback;
  }
  double number_of(const data_attribute& a, const std::string& where) const {
    const auto* d = std::get_if<double>(&a);
    if (!d) fail(where, "is not a number");
    if (!std::isfinite(*d)) fail(where, "is " + printable_number(*d));
    return *d;
  }
  std::string text(const data_group& g, const std::string& path, const std::string& name) const {
    const auto* a = attr(g, name);
    if (!a) fail(path + " attribute " + name, "is missing");
    const auto* s = std::get_if<std::string>(a);
    if (!s) fail(path + " attribute " + name, "is not a string");
    return *s;
  }
  // A list of names: a list attribute, or one string of comma-separated names.
  std::vector<std::string> names(const data_group& g, const std::string& path,
                                 const std::string& name) const {
    const auto* a = attr(g, name);
    if (!a) fail(path + " attribute " + name, "is missing");
    if (const auto* list = std::get_if<std::vector<std::string>>(a)) return *list;
    const auto* s = std::get_if<std::string>(a);
    if (!s) fail(path + " attribute " + name, "is not a list of names");
    std::vector<std::string> out;
    std::string item;
    for (char ch : *s + ",") {
      if (ch == ',') {
        if (!item.empty()) out.push_back(item);
        item.clear();
      } else if (ch != ' ') {
        item += ch;
      }
    }
    return out;
  }

  static std::string shape(const std::vector<std::size_t>& dims) {
    std::string s = "(";
    for (std::size_t k = 0; k < dims.size(); ++k) s += (k ? ", " : "") + std::to_string(dims[k]);
    return s + (dims.size() == 1 ? ",)" : ")");
  }
  static std::string printable_number(double x) {
    return std::isnan(x) ? "NaN" : (x > 0 ? "+inf" : "-inf");
  }

 private:
  std::string file_;
};

// A per-population value: a scalar attribute, or a dataset of one value per neuron.
std::vector<double> per_neuron(const reader& r, const data_group& g, const std::string& path,
                               const std::string& name, std::size_t count) {
  if (const auto* a = r.attr(g, name)) return {r.number_of(*a, path + " attribute " + name)};
  const auto* arr = r.array(g, path + "/", name);
  if (!arr) return {};
  return r.values(*arr, path + "/" + name, {count});
}

}  // namespace

data_group network_tree(const network_description& d) {
  data_group root;
  root.attrs["format"] = std::string(network_format);
  root.attrs["version"] = double(network_version);
  auto& pops = root.groups["populations"];
  std::vector<std::string> order;
  const std::size_t n = d.neurons();
  for (const auto& p : d.populations) {
    order.push_back(p.name);
    auto& g = pops.groups[p.name];
    g.attrs["model"] = p.model;
    g.attrs["count"] = double(p.count);
    g.attrs["V0_mean"] = p.v0_mean;
    g.attrs["V0_sd"] = p.v0_sd;
    for (const auto& [name, v] : p.constants) {
      if (v.size() == 1)
        g.attrs[name] = v[0];
      else
        g.arrays[name] = vector_of(v);
    }
    for (const auto& [name, v] : p.initial) {
      if (v.size() == 1)
        g.attrs["initial_" + name] = v[0];
      else
        g.arrays["initial_" + name] = vector_of(v);
    }
    if (d.coupling == coupling_kind::conductance) {
      g.attrs["E_syn"] = p.e_syn;
      g.attrs["alpha"] = p.alpha;
      g.attrs["beta"] = p.beta;
    }
  }
  pops.attrs["order"] = order;
  auto& rec = root.groups["recurrent"];
  rec.attrs["coupling"] =
      std::string(d.coupling == coupling_kind::current ? "current" : "conductance");
  if (d.coupling == coupling_kind::conductance) rec.attrs["syn_gain"] = d.syn_gain;
  rec.arrays["W"] = matrix(n, n, d.w_rec);
  if (!d.mask.empty()) rec.arrays["mask"] = matrix(n, n, d.mask);
  if (!d.sign.empty()) rec.arrays["sign"] = vector_of(d.sign);
  auto& in = root.groups["input"];
  in.arrays["W"] = matrix(d.channels, n, d.w_in);
  in.attrs["gain"] = d.input_gain;
  in.attrs["offset"] = d.input_offset;
  in.attrs["Iapp"] = d.iapp;
  auto& out = root.groups["readout"];
  out.arrays["W"] = matrix(d.outputs, n, d.w_out);
  out.arrays["b"] = vector_of(d.b_out);
  out.attrs["variable"] =
      std::string(d.readout == readout_variable::spike_indicator ? "spike_indicator" : "rate");
  out.attrs["window_ms"] = std::vector<double>{d.window_from_end_ms, d.window_to_end_ms};
  out.attrs["Vt"] = d.vt;
  out.attrs["Kp"] = d.kp;
  auto& tr = root.groups["trainable"];
  tr.attrs["blocks"] =
      d.trainable.empty() ? std::vector<std::string>(std::begin(block_names), std::end(block_names))
                          : d.trainable;
  for (const auto& [block, b] : d.bounds) tr.attrs[block] = std::vector<double>{b.first, b.second};
  return root;
}

network_description network_from_tree(const data_group& root, const std::string& file) {
  const reader r(file);
  network_description d;
  {
    const auto* f = r.attr(root, "format");
    const auto* fs = f ? std::get_if<std::string>(f) : nullptr;
    if (!fs)
      r.fail("/ attribute format", "is missing: not an esbio network file (format = '" +
                                       std::string(network_format) + "')");
    if (*fs != network_format)
      r.fail("/ attribute format", "is '" + printable(*fs) + "', not '" + network_format + "'");
    const double version = r.number(root, "/", "version");
    if (version > network_version)
      r.fail("/ attribute version", "is " + format_real(version) +
                                        ", newer than this esbio reads (" +
                                        std::to_string(network_version) + "): upgrade esbio");
    if (version != network_version)
      r.fail("/ attribute version",
             "is " + format_real(version) + ", not " + std::to_string(network_version));
  }
  const auto& pops = r.group(root, "/", "populations");
  const auto order = r.names(pops, "/populations", "order");
  if (order.empty()) r.fail("/populations attribute order", "names no population");
  std::set<std::string> seen;
  for (const auto& [name, g] : pops.groups)
    if (std::find(order.begin(), order.end(), name) == order.end())
      r.fail("/populations/" + name, "is not in /populations attribute order");
  for (const auto& name : order) {
    if (!seen.insert(name).second)
      r.fail("/populations attribute order", "names '" + name + "' twice");
    const std::string path = "/populations/" + name;
    const auto& g = r.group(pops, "/populations/", name);
    population p;
    p.name = name;
    p.model = r.text(g, path, "model");
    const neuron_model_info* info = nullptr;
    try {
      info = &find_neuron_model(p.model);
    } catch (const input_error& e) {
      r.fail(path + " attribute model", e.what());
    }
    const double count = r.number(g, path, "count");
    if (!(count >= 1) || count != std::floor(count) || count > double(1 << 20))
      r.fail(path + " attribute count",
             "is " + format_real(count) + ": give a whole number of neurons from 1 to 1048576");
    p.count = static_cast<std::size_t>(count);
    p.v0_mean = r.number(g, path, "V0_mean");
    p.v0_sd = r.number(g, path, "V0_sd");
    if (p.v0_sd < 0) r.fail(path + " attribute V0_sd", "is negative");
    static const std::set<std::string> reserved{"model", "count", "V0_mean", "V0_sd",
                                                "E_syn", "alpha", "beta"};
    std::set<std::string> names;
    for (const auto& [k, v] : g.attrs) names.insert(k);
    for (const auto& [k, v] : g.arrays) names.insert(k);
    for (const auto& k : names) {
      if (reserved.count(k)) continue;
      if (k.rfind("initial_", 0) == 0) {
        const std::string state = k.substr(8);
        std::size_t s = 0;
        try {
          s = info->state_index(state);
        } catch (const input_error& e) {
          r.fail(path + "/" + k, e.what());
        }
        if (s == 0) r.fail(path + "/" + k, "is not allowed: V starts from V0_mean and V0_sd");
        p.initial[state] = per_neuron(r, g, path, k, p.count);
        continue;
      }
      std::size_t c = 0;
      try {
        c = info->constant_index(k);
      } catch (const input_error&) {
        std::string known;
        for (const auto& ci : info->constants) known += (known.empty() ? "" : ", ") + ci.name;
        r.fail(path + "/" + k, "is not a constant of " + p.model + " (constants: " + known +
                                   "; states start from initial_<state>)");
      }
      const auto v = per_neuron(r, g, path, k, p.count);
      const auto& ci = info->constants[c];
      for (double x : v) {
        if (ci.sign == constant_sign::positive && !(x > 0))
          r.fail(path + "/" + k,
                 "is " + format_real(x) + ": " + ci.name + " (" + ci.help + ") must be positive");
        if (ci.sign == constant_sign::non_negative && x < 0)
          r.fail(path + "/" + k, "is " + format_real(x) + ": " + ci.name + " (" + ci.help +
                                     ") must not be negative");
      }
      p.constants[k] = v;
    }
    d.populations.push_back(std::move(p));
  }
  for (const auto& p : d.populations)
    if (p.model != d.populations.front().model)
      r.fail("/populations/" + p.name + " attribute model",
             "is " + p.model + " where /populations/" + d.populations.front().name + " is " +
                 d.populations.front().model + ": a network has one neuron model");
  const std::size_t n = d.neurons();

  const auto& rec = r.group(root, "/", "recurrent");
  const auto coupling = r.text(rec, "/recurrent", "coupling");
  if (coupling == "current")
    d.coupling = coupling_kind::current;
  else if (coupling == "conductance")
    d.coupling = coupling_kind::conductance;
  else
    r.fail("/recurrent attribute coupling",
           "is '" + printable(coupling) + "', not current or conductance");
  if (d.coupling == coupling_kind::conductance) {
    d.syn_gain = r.number_or(rec, "/recurrent", "syn_gain", 1.0);
    for (std::size_t k = 0; k < order.size(); ++k) {
      const auto& g = pops.groups.at(order[k]);
      const std::string path = "/populations/" + order[k];
      auto& p = d.populations[k];
      p.e_syn = r.number(g, path, "E_syn");
      p.alpha = r.number(g, path, "alpha");
      p.beta = r.number(g, path, "beta");
      if (p.alpha < 0 || p.beta < 0) r.fail(path, "alpha and beta must not be negative");
    }
  }
  d.w_rec = r.values(r.need_array(rec, "/recurrent/", "W"), "/recurrent/W", {n, n});
  if (const auto* m = r.array(rec, "/recurrent/", "mask")) {
    d.mask = r.values(*m, "/recurrent/mask", {n, n});
    for (std::size_t k = 0; k < d.mask.size(); ++k) {
      if (d.mask[k] != 0 && d.mask[k] != 1)
        r.fail("/recurrent/mask", "holds " + format_real(d.mask[k]) + " at [" +
                                      std::to_string(k / n) + ", " + std::to_string(k % n) +
                                      "]: a mask is 0 (no connection) or 1");
      if (d.mask[k] == 0 && d.w_rec[k] != 0)
        r.fail("/recurrent/W", "is " + format_real(d.w_rec[k]) + " at [" + std::to_string(k / n) +
                                   ", " + std::to_string(k % n) +
                                   "] where the mask has no connection (give 0 there)");
    }
  }
  if (const auto* s = r.array(rec, "/recurrent/", "sign")) {
    d.sign = r.values(*s, "/recurrent/sign", {n});
    for (std::size_t k = 0; k < n; ++k)
      if (d.sign[k] != 1 && d.sign[k] != -1)
        r.fail("/recurrent/sign", "holds " + format_real(d.sign[k]) + " at [" + std::to_string(k) +
                                      "]: Dale's signs are +1 or -1");
  }

  const auto& in = r.group(root, "/", "input");
  const auto& w_in = r.need_array(in, "/input/", "W");
  if (w_in.dims.size() != 2 || w_in.dims[1] != n)
    r.fail("/input/W", "has shape " + reader::shape(w_in.dims) + " where (channels, " +
                           std::to_string(n) + ") is needed");
  d.channels = w_in.dims[0];
  d.w_in = r.values(w_in, "/input/W", {d.channels, n});
  d.input_gain = r.number(in, "/input", "gain");
  d.input_offset = r.number(in, "/input", "offset");
  d.iapp = r.number(in, "/input", "Iapp");

  const auto& out = r.group(root, "/", "readout");
  const auto& w_out = r.need_array(out, "/readout/", "W");
  if (w_out.dims.size() != 2 || w_out.dims[1] != n)
    r.fail("/readout/W", "has shape " + reader::shape(w_out.dims) + " where (outputs, " +
                             std::to_string(n) + ") is needed");
  d.outputs = w_out.dims[0];
  d.w_out = r.values(w_out, "/readout/W", {d.outputs, n});
  d.b_out = r.values(r.need_array(out, "/readout/", "b"), "/readout/b", {d.outputs});
  const auto variable = r.text(out, "/readout", "variable");
  if (variable == "spike_indicator")
    d.readout = readout_variable::spike_indicator;
  else if (variable == "rate")
    d.readout = readout_variable::rate;
  else
    r.fail("/readout attribute variable",
           "is '" + printable(variable) + "', not spike_indicator or rate");
  {
    const auto* w = r.attr(out, "window_ms");
    const auto* v = w ? std::get_if<std::vector<double>>(w) : nullptr;
    if (!v || v->size() != 2)
      r.fail("/readout attribute window_ms",
             "must be [start, end]: ms counted back from the end of a trial, start > end >= 0");
    d.window_from_end_ms = (*v)[0];
    d.window_to_end_ms = (*v)[1];
    if (!(d.window_from_end_ms > d.window_to_end_ms) || !(d.window_to_end_ms >= 0) ||
        !std::isfinite(d.window_from_end_ms))
      r.fail("/readout attribute window_ms",
             "is [" + format_real((*v)[0]) + ", " + format_real((*v)[1]) +
                 "]: give [start, end] counted back from the end, start > end >= 0");
  }
  d.vt = r.number(out, "/readout", "Vt");
  d.kp = r.number(out, "/readout", "Kp");
  if (!(d.kp > 0)) r.fail("/readout attribute Kp", "must be positive");

  const auto& tr = r.group(root, "/", "trainable");
  d.trainable = r.names(tr, "/trainable", "blocks");
  for (const auto& b : d.trainable)
    if (std::find(std::begin(block_names), std::end(block_names), b) == std::end(block_names))
      r.fail("/trainable attribute blocks",
             "names '" + printable(b) +
                 "', which is not a block (input.W, recurrent.W, readout.W, readout.b)");
  for (const auto& [k, v] : tr.attrs) {
    if (k == "blocks") continue;
    if (std::find(std::begin(block_names), std::end(block_names), k) == std::end(block_names))
      r.fail("/trainable attribute " + k,
             "is not a block's bounds (input.W, recurrent.W, readout.W, readout.b)");
    const auto* b = std::get_if<std::vector<double>>(&v);
    if (!b || b->size() != 2 || std::isnan((*b)[0]) || std::isnan((*b)[1]) || !((*b)[0] < (*b)[1]))
      r.fail("/trainable attribute " + k,
             "must be [lower, upper] with lower < upper (+-inf for none)");
    d.bounds[k] = {(*b)[0], (*b)[1]};
  }
  try {
    d.validate();
  } catch (const input_error& e) {
    r.fail("/", e.what());
  }
  return d;
}

}  // namespace esbio::models
