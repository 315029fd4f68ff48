// Task B's configuration, its option schema and the description built from it (the evaluations
// and their traces are in evidence_task.cpp, through tasks/network_evaluator.hpp).
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

namespace {

// [network]: the network's constants; its [neuron] section is the neuron's.
const schema<evidence_network>& network_schema() {
  using n = evidence_network;
  using codecs::real;
  const auto any = real(), positive = real(real_sign::positive),
             non_negative = real(real_sign::non_negative);
  static const auto s =
      schema<n>()
          .field("network.iapp", &n::iapp, any, "evidence: constant input bias Iapp")
          .field("network.input_gain", &n::input_gain, any,
                 "evidence: I = (Iapp + z) * input_gain + input_bias")
          .field("network.input_bias", &n::input_bias, any,
                 "evidence: see network.input_gain (uA/cm^2)")
          .field("network.vt", &n::vt, any,
                 "evidence: output T(V) = sigmoid((V - vt) / kp), vt in mV")
          .field("network.kp", &n::kp, positive, "evidence: output slope kp (mV)")
          .field("network.synapse", &n::kinetic,
                 codecs::choice<bool>({{"current", false}, {"kinetic", true}}),
                 "evidence: current (the paper's T W_rec) | kinetic (stiff, bdf only)")
          .field("network.alpha", &n::alpha, non_negative,
                 "kinetic synapse: rise rate alpha (1/ms)")
          .field("network.beta", &n::beta, non_negative, "kinetic synapse: decay rate beta (1/ms)")
          .field("network.e_syn", &n::e_syn, any, "kinetic synapse: reversal potential (mV)")
          .field("network.syn_gain", &n::syn_gain, any,
                 "kinetic synapse: scale of W_rec as a conductance (mS/cm^2)")
          .section(&n::neuron, neuron_schema());
  return s;
}

}  // namespace

const schema<evidence_config>& evidence_config::schema() {
  using c = evidence_config;
  using namespace codecs;
  const auto any = real(), positive = real(real_sign::positive),
             non_negative = real(real_sign::non_negative);
  static const auto s =
      esbio::schema<c>()
          .field("task.neurons", &c::neurons, count<std::size_t>(1, 1u << 14),
                 "evidence: network size N")
          .field("task.trials", &c::trials, count<std::size_t>(1, 1u << 16),
                 "evidence: trials per batch (shared by a generation's members)")
          .field("task.validation_trials", &c::validation_trials, count<std::size_t>(1, 1u << 16),
                 "evidence: trials of the fixed validation set (held-out accuracy and loss)")
          .field("task.integrator", &c::integrator,
                 choice<evidence_integrator>(
                     {{"fixed", evidence_integrator::fixed}, {"bdf", evidence_integrator::bdf}}),
                 "evidence: fixed (the paper's scheme) | bdf (CVODE, continuous)")
          .field("task.dt", &c::dt, positive, "evidence: step of the fixed-step scheme (ms)")
          .field("task.precision", &c::precision,
                 choice<evidence_precision>({{"float64", evidence_precision::float64},
                                             {"float32", evidence_precision::float32}}),
                 "evidence: float64 | float32 (fixed: the scheme's arithmetic, forward and BPTT, "
                 "the paper's precision; bdf: W_rec rounded to float32 and the coupling sums in "
                 "float32, state and solver float64)")
          .field("task.token_ms", &c::token_ms, positive,
                 "evidence: how long each token is held (ms)")
          .field("task.readout_ms", &c::readout_ms, positive,
                 "evidence: readout averages T over the last readout_ms")
          .field("task.token_boundaries", &c::restart_at_tokens,
                 choice<bool>({{"restart", true}, {"continue", false}}),
                 "evidence, bdf: restart (re-initialise CVODE) | continue at each token")
          .field("task.common_noise", &c::common_noise, flag(),
                 "evidence: members share a generation's initial voltages")
          .field("task.trial_v0_mean", &c::trial_v0_mean, any,
                 "evidence: mean initial V of each neuron (mV)")
          .field("task.trial_v0_sd", &c::trial_v0_sd, non_negative,
                 "evidence: standard deviation of the initial V")
          .field("task.trial_w0", &c::trial_w0, any,
                 "evidence: initial w (Morris-Lecar; other models start their gates at their "
                 "steady state at V0)")
          .section(&c::network, network_schema())
          .section(&c::solver, solver_schema());
  return s;
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
  network.neuron.validate();
  check_atol_components(
      solver, (network.neuron.info().states() + (network.kinetic ? 1 : 0)) * neurons, "evidence");
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
  pop.model = net.neuron.model;
  pop.count = c.neurons;
  const auto& info = net.neuron.info();
  const auto values = net.neuron.values();
  for (std::size_t k = 0; k < values.size(); ++k)
    pop.constants[info.constants[k].name] = {values[k]};
  pop.v0_mean = c.trial_v0_mean;
  pop.v0_sd = c.trial_v0_sd;
  // The paper's w0; other models start their gates at their steady state at V0.
  if (info.name == "morris_lecar") pop.initial["w"] = {c.trial_w0};
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
