// Task B's configuration, its option schema and the description built from it (the evaluations
// are in evidence_task.cpp, the gradients in evidence_bptt.cpp and evidence_adjoint.cpp).
#include <cmath>

#include "esbio/core/error.hpp"
#include "esbio/core/random.hpp"
#include "esbio/tasks/evidence_task.hpp"
#include "esbio/tasks/shared_options.hpp"

namespace esbio::tasks {

namespace {

std::size_t steps_in(double ms, double dt, const char* what) {
  const double s = ms / dt;
  const auto n = static_cast<std::size_t>(std::llround(s));
  if (n < 1 || std::abs(s - static_cast<double>(n)) > 1e-9 * s)
    throw input_error(std::string(what) + " must be a whole number of task.dt steps");
  return n;
}

}  // namespace

const std::vector<option_spec>& evidence_config::options() {
  static const std::vector<option_spec> own{
      {"task.neurons", "128", "evidence: network size N"},
      {"task.trials", "50", "evidence: trials per batch (shared by a generation's members)"},
      {"task.validation_trials", "500",
       "evidence: trials of the fixed validation set (held-out accuracy and loss)"},
      {"task.integrator", "fixed",
       "evidence: fixed (the paper's scheme) | bdf (CVODE, continuous)"},
      {"task.dt", "0.1", "evidence: step of the fixed-step scheme (ms)"},
      {"task.precision", "float64",
       "evidence: float64 | float32 (fixed: the scheme's arithmetic, forward and BPTT, the "
       "paper's precision; bdf: W_rec rounded to float32 and the coupling sums in float32, state "
       "and solver float64)"},
      {"task.token_ms", "4", "evidence: how long each token is held (ms)"},
      {"task.readout_ms", "10", "evidence: readout averages T over the last readout_ms"},
      {"task.token_boundaries", "restart",
       "evidence, bdf: restart (re-initialise CVODE) | continue at each token"},
      {"task.common_noise", "false", "evidence: members share a generation's initial voltages"},
      {"task.trial_v0_mean", "-20", "evidence: mean initial V of each neuron (mV)"},
      {"task.trial_v0_sd", "5", "evidence: standard deviation of the initial V"},
      {"task.trial_w0", "0.014173", "evidence: initial w"},
      {"network.iapp", "0.1", "evidence: constant input bias Iapp"},
      {"network.input_gain", "36.75", "evidence: I = (Iapp + z) * input_gain + input_bias"},
      {"network.input_bias", "39.9", "evidence: see network.input_gain (uA/cm^2)"},
      {"network.vt", "-3", "evidence: output T(V) = sigmoid((V - vt) / kp), vt in mV"},
      {"network.kp", "8", "evidence: output slope kp (mV)"},
      {"network.synapse", "current",
       "evidence: current (the paper's T W_rec) | kinetic (stiff, bdf only)"},
      {"network.alpha", "12", "kinetic synapse: rise rate alpha (1/ms)"},
      {"network.beta", "0.1", "kinetic synapse: decay rate beta (1/ms)"},
      {"network.e_syn", "0", "kinetic synapse: reversal potential (mV)"},
      {"network.syn_gain", "1", "kinetic synapse: scale of W_rec as a conductance (mS/cm^2)"},
  };
  static const auto all = joined({&own, &neuron_option_specs(), &solver_option_specs()});
  return all;
}

evidence_config evidence_config::read(setting_reader& r, std::uint64_t seed) {
  evidence_config c;
  c.seed = seed;
  c.neurons = r.count("task.neurons", 1, 1u << 14);
  c.trials = r.count("task.trials", 1, 1u << 16);
  c.validation_trials = r.count("task.validation_trials", 1, 1u << 16);
  c.integrator = r.choice("task.integrator", {"fixed", "bdf"}) == 0 ? evidence_integrator::fixed
                                                                    : evidence_integrator::bdf;
  c.dt = r.real("task.dt", true);
  c.precision = r.choice("task.precision", {"float64", "float32"}) == 0
                    ? evidence_precision::float64
                    : evidence_precision::float32;
  c.token_ms = r.real("task.token_ms", true);
  c.readout_ms = r.real("task.readout_ms", true);
  c.common_noise = r.flag("task.common_noise");
  c.restart_at_tokens = r.choice("task.token_boundaries", {"restart", "continue"}) == 0;
  c.trial_v0_mean = r.real("task.trial_v0_mean");
  c.trial_v0_sd = r.real("task.trial_v0_sd", false, true);
  c.trial_w0 = r.real("task.trial_w0");
  auto& n = c.network;
  n.iapp = r.real("network.iapp");
  n.input_gain = r.real("network.input_gain");
  n.input_bias = r.real("network.input_bias");
  n.vt = r.real("network.vt");
  n.kp = r.real("network.kp", true);
  n.kinetic = r.choice("network.synapse", {"current", "kinetic"}) == 1;
  n.alpha = r.real("network.alpha", false, true);
  n.beta = r.real("network.beta", false, true);
  n.e_syn = r.real("network.e_syn");
  n.syn_gain = r.real("network.syn_gain");
  n.neuron = read_neuron(r);
  c.solver = read_solver_options(r, true);
  c.validate();
  return c;
}

void evidence_config::validate() const {
  if (neurons < 1) throw input_error("task.neurons must be at least 1");
  if (trials < 1) throw input_error("task.trials must be at least 1");
  // Every per-trial state array (and BPTT's 50 token checkpoints of three of them) is
  // trials x neurons long.
  if (trials * neurons > (std::size_t{1} << 20))
    throw input_error("task.trials x task.neurons = " + std::to_string(trials * neurons) +
                      " is more than the limit of 1048576 trial states");
  if (validation_trials < 1) throw input_error("task.validation_trials must be at least 1");
  if (validation_trials * neurons > (std::size_t{1} << 20))
    throw input_error(
        "task.validation_trials x task.neurons = " + std::to_string(validation_trials * neurons) +
        " is more than the limit of 1048576 trial states");
  if (network.kinetic && integrator == evidence_integrator::fixed)
    throw input_error(
        "network.synapse = kinetic needs task.integrator = bdf (the paper's scheme "
        "has current coupling only)");
  if (!(dt > 0)) throw input_error("task.dt must be positive");
  const auto token = steps_in(token_ms, dt, "task.token_ms");
  const auto readout = steps_in(readout_ms, dt, "task.readout_ms");
  check_atol_components(solver, (network.kinetic ? 3 : 2) * neurons, "evidence");
  if (readout > token * evidence_tokens)
    throw input_error("task.readout_ms is longer than the trial");
}

namespace {

std::vector<double> initial_theta(const evidence_config& c, const param_layout& layout) {
  std::vector<double> theta(layout.size());
  const double b = 1 / std::sqrt(static_cast<double>(c.neurons));
  auto block = [&](const char* name) {
    const auto& blk = layout.block(name);
    return std::span(theta).subspan(blk.offset, blk.size());
  };
  random_stream(c.seed, stream::init, 0, 0).fill_uniform(block("W_inp"), 0.1 - b, 0.1 + b);
  random_stream(c.seed, stream::init, 0, 1).fill_uniform(block("W_rec"), 0.001 - b, 0.001 + b);
  random_stream(c.seed, stream::init, 0, 2).fill_uniform(block("W_ro"), 0.1 - b, 0.1 + b);
  random_stream(c.seed, stream::init, 0, 3).fill_uniform(block("b_ro"), -b, b);
  const random_stream sparse(c.seed, stream::init, 0, 4);
  auto rec = block("W_rec");
  for (std::size_t k = 0; k < rec.size(); ++k)
    if (sparse.uniform(k) < 0.2) rec[k] = 0.001;
  return theta;
}

// Task B's network as a description: one population of N Morris-Lecar neurons, the paper's
// current coupling (or the kinetic synapse), 50 input channels (the token embedding), three
// outputs read from the mean T over the last readout_ms.
models::network_description network_of(const evidence_config& c, const param_layout& layout,
                                       const std::vector<double>& theta) {
  const auto& net = c.network;
  models::population pop;
  pop.name = "neurons";
  pop.model = models::morris_lecar::name;
  pop.count = c.neurons;
  for (const auto& k : models::morris_lecar::constants())
    pop.constants[k.name] = {net.neuron.*(k.member)};
  pop.v0_mean = c.trial_v0_mean;
  pop.v0_sd = c.trial_v0_sd;
  pop.initial["w"] = {c.trial_w0};
  pop.e_syn = net.e_syn;
  pop.alpha = net.alpha;
  pop.beta = net.beta;
  models::network_description d;
  d.populations.push_back(std::move(pop));
  d.coupling = net.kinetic ? models::coupling_kind::conductance : models::coupling_kind::current;
  d.syn_gain = net.syn_gain;
  const auto block = [&](const char* name) {
    const auto& b = layout.block(name);
    return std::vector<double>(theta.begin() + static_cast<std::ptrdiff_t>(b.offset),
                               theta.begin() + static_cast<std::ptrdiff_t>(b.offset + b.size()));
  };
  d.w_rec = block("W_rec");
  d.channels = evidence_embedding;
  d.w_in = block("W_inp");
  d.input_gain = net.input_gain;
  d.input_offset = net.input_bias;
  d.iapp = net.iapp;
  d.outputs = evidence_classes;
  d.w_out = block("W_ro");
  d.b_out = block("b_ro");
  d.readout = models::readout_variable::spike_indicator;
  d.window_from_end_ms = c.readout_ms;
  d.window_to_end_ms = 0;
  d.vt = net.vt;
  d.kp = net.kp;
  d.validate();
  return d;
}

}  // namespace

evidence_task::evidence_task(evidence_config cfg)
    : cfg_(std::move(cfg)), embeddings_(evidence_embeddings(cfg_.seed)) {
  cfg_.validate();
  token_steps_ = steps_in(cfg_.token_ms, cfg_.dt, "task.token_ms");
  readout_steps_ = steps_in(cfg_.readout_ms, cfg_.dt, "task.readout_ms");
  const std::size_t n = cfg_.neurons;
  layout_.add("W_inp", evidence_embedding, n)
      .add("W_rec", n, n)
      .add("W_ro", evidence_classes, n)
      .add("b_ro", evidence_classes, 1);
  theta0_ = initial_theta(cfg_, layout_);
  network_ = network_of(cfg_, layout_, theta0_);
  // The network's four arrays are theta's four blocks, in the order just laid out.
  for (std::size_t a = 0; a < 4; ++a) params_.block[a] = a;
  run_.seed = cfg_.seed;
  run_.integrator = cfg_.integrator;
  run_.precision = cfg_.precision;
  run_.dt = cfg_.dt;
  run_.sample_ms = cfg_.token_ms;
  run_.common_noise = cfg_.common_noise;
  run_.restart_at_samples = cfg_.restart_at_tokens;
  run_.loss = loss_kind::cross_entropy;
  run_.solver = cfg_.solver;
}

std::unique_ptr<evaluator> evidence_task::make_evaluator() const {
  return std::make_unique<evidence_evaluator>(*this);
}

std::vector<evidence_trial> evidence_task::batch(std::uint32_t generation) const {
  return evidence_batch(cfg_.seed, generation, trials_in(generation));
}

std::vector<double> evidence_task::initial_params() const {
  return theta0_;
}

}  // namespace esbio::tasks
