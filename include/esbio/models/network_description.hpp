#pragma once
// A recurrent network of conductance-based neurons as a value (Arbor's recipe): what it is made
// of, apart from any execution state. Task B builds one in code; the network file of
// docs/network-files.md describes one on disk; the run file embeds the one a run trained.
//
//   populations  neurons numbered population by population, each population one neuron model
//                (neuron_registry.hpp) with its constants (one value, or one per neuron) and
//                its initial state per trial: V0 ~ N(v0_mean, v0_sd) per neuron from the run
//                seed, the other states at the values given, or at their steady state at V0
//   recurrent    W (N x N, W[j][i] from presynaptic j to postsynaptic i, as z = T(V) W), an
//                optional 0/1 mask (absent connections stay exactly 0) and optional signs per
//                presynaptic neuron (Dale's law: the effective weight is sign_j |W[j][i]|);
//                coupling by current, I_i = (Iapp + x W_in + T(V) W)_i gain + offset (the
//                paper's), or by conductance through a kinetic synapse per presynaptic neuron,
//                ds_j/dt = alpha T(V_j)(1 - s_j) - beta s_j, I_syn,i = syn_gain sum_j W[j][i]
//                s_j (E_syn,j - V_i), alpha, beta and E_syn those of j's population
//   input        W_in (channels x N), with the gain, offset and Iapp above
//   readout      W_out (outputs x N), b_out; the variable read (the spike indicator
//                T(V) = sigmoid((V - Vt) / Kp), or the rate: upward crossings of Vt in the window
//                over its length) averaged over a window counted back from the trial's end
//
// Units: mV, ms, uA/cm^2, mS/cm^2.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace esbio::models {

struct population {
  std::string name;
  std::string model = "morris_lecar";
  std::size_t count = 0;
  // Each of the model's constants by name: one value for every neuron, or `count` values (a
  // heterogeneous population). Constants not named take the model's defaults.
  std::map<std::string, std::vector<double>> constants;
  double v0_mean = -20, v0_sd = 5;  // mV
  // Initial values of the other states by name (one value, or `count`); a state not named
  // starts at its steady state for the neuron's initial V.
  std::map<std::string, std::vector<double>> initial;
  // As presynaptic neurons under conductance coupling.
  double e_syn = 0, alpha = 12, beta = 0.1;  // mV, 1/ms, 1/ms
  bool operator==(const population&) const = default;
};

enum class coupling_kind { current, conductance };
enum class readout_variable { spike_indicator, rate };

struct network_description {
  std::vector<population> populations;

  coupling_kind coupling = coupling_kind::current;
  std::vector<double> w_rec;  // N x N, row-major by presynaptic neuron
  std::vector<double> mask;   // N x N of 0/1, or empty: every connection exists
  std::vector<double> sign;   // N of +1/-1, or empty: weights used as they are
  double syn_gain = 1;        // conductance coupling: W in units of syn_gain mS/cm^2

  std::size_t channels = 0;
  std::vector<double> w_in;  // channels x N
  double input_gain = 36.75, input_offset = 39.9, iapp = 0.1;

  std::size_t outputs = 0;
  std::vector<double> w_out, b_out;  // outputs x N, outputs
  readout_variable readout = readout_variable::spike_indicator;
  double window_from_end_ms = 10, window_to_end_ms = 0;  // [end - from, end - to]
  double vt = -3, kp = 8;                                // T(V) = sigmoid((V - vt) / kp)

  // What training may change, by block name (input.W, recurrent.W, readout.W, readout.b; empty:
  // all four), and optional bounds per block, kept by the transform of docs/network-files.md.
  std::vector<std::string> trainable;
  std::map<std::string, std::pair<double, double>> bounds;

  bool operator==(const network_description&) const = default;

  std::size_t neurons() const;
  // The population of neuron i and i's index within it.
  std::pair<std::size_t, std::size_t> locate(std::size_t neuron) const;
  // One model for every population (the engine integrates one model per network); its name.
  const std::string& model() const;
  // Throws input_error naming the first inconsistency (sizes, values, unknown names).
  void validate() const;
  // A hash of every value, in a fixed order: part of a run's configuration hash.
  std::uint64_t hash() const;
};

}  // namespace esbio::models
