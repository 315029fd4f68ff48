#include "options.hpp"

#include <boost/program_options.hpp>

#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "esbio/core/error.hpp"
#include "values.hpp"

namespace po = boost::program_options;

namespace esbio::cli {

namespace {

po::options_description config_description() {
  po::options_description d("Configuration (INI section = prefix; command line wins)");
  for (const auto& s : config_options()) {
    const std::string h = std::string(s.help) + " [" + s.default_value + "]";
    d.add_options()(s.key, po::value<std::string>()->value_name("V"), h.c_str());
  }
  return d;
}

po::options_description run_description() {
  po::options_description d("esbio train");
  d.add_options()("help,h", "show this help")(
      "config", po::value<std::string>()->value_name("FILE"), "INI configuration file")(
      "out", po::value<std::string>()->value_name("FILE"), "HDF5 run file to write")(
      "resume", "continue the run in --out from its last checkpoint")(
      "force", "overwrite an existing --out")("quiet", "no progress lines");
  return d;
}

// Stray words on the command line are collected under a hidden name and refused by name, instead
// of being silently dropped.
const po::positional_options_description& no_positional() {
  static const auto stray = [] {
    po::positional_options_description d;
    d.add("stray-argument", -1);
    return d;
  }();
  return stray;
}

po::variables_map parse_command_line(const std::vector<std::string>& args) {
  po::options_description all;
  all.add(run_description()).add(config_description());
  all.add_options()("stray-argument", po::value<std::vector<std::string>>());
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(no_positional()).run(), vm);
  } catch (const po::error& e) {
    throw input_error(e.what());
  }
  if (vm.count("stray-argument"))
    throw input_error("unexpected argument '" +
                      vm["stray-argument"].as<std::vector<std::string>>().front() +
                      "' (options are --name value)");
  return vm;
}

// Typed reads of settings; each records the canonical spelling of what it read.
class reader {
 public:
  explicit reader(const settings& s) : s_(s) {}
  const settings& canonical() const { return out_; }

  double real(const std::string& key, bool positive = false, bool non_negative = false) {
    const double x = parse_real(key, raw(key),
                                positive       ? real_sign::positive
                                : non_negative ? real_sign::non_negative
                                               : real_sign::any);
    out_[key] = format_real(x);
    return x;
  }

  std::uint64_t count(const std::string& key, std::uint64_t min = 0,
                      std::uint64_t max = std::numeric_limits<std::uint32_t>::max()) {
    const auto x = parse_count(key, raw(key), min, max);
    out_[key] = std::to_string(x);
    return x;
  }

  std::string choice(const std::string& key, std::initializer_list<const char*> allowed) {
    const auto& v = raw(key);
    std::string list;
    for (const char* a : allowed) {
      if (v == a) {
        out_[key] = v;
        return v;
      }
      list += (list.empty() ? "" : ", ") + std::string(a);
    }
    bad(key, v, "is not one of: " + list);
  }

  bool flag(const std::string& key) {
    const auto& v = raw(key);
    if (v == "true" || v == "1" || v == "yes" || v == "on") return out_[key] = "true", true;
    if (v == "false" || v == "0" || v == "no" || v == "off") return out_[key] = "false", false;
    bad(key, v, "is not true or false");
  }

  std::string text(const std::string& key) { return out_[key] = raw(key); }

  // A comma-separated list of names; `none_word` stands for the empty list.
  std::vector<std::string> names(const std::string& key, const char* none_word) {
    const auto& v = raw(key);
    out_[key] = v;
    std::vector<std::string> out;
    if (v == none_word) return out;
    std::string item;
    for (char ch : v + ",") {
      if (ch == ',') {
        if (!item.empty()) out.push_back(item);
        item.clear();
      } else if (ch != ' ') {
        item += ch;
      }
    }
    if (out.empty()) bad(key, v, "names no block");
    return out;
  }

  // A comma-separated list of positive finite numbers; `none_word` stands for the empty list.
  std::vector<double> reals(const std::string& key, const char* none_word) {
    const auto& v = raw(key);
    out_[key] = v;
    if (v == none_word) return {};
    auto out = parse_real_list(key, v);
    std::string canon;
    for (double x : out) canon += (canon.empty() ? "" : ",") + format_real(x);
    out_[key] = canon;
    return out;
  }

  std::optional<double> real_or(const std::string& key, const char* word) {
    if (raw(key) == word) {
      out_[key] = word;
      return std::nullopt;
    }
    return real(key);
  }

 private:
  const std::string& raw(const std::string& key) {
    const auto it = s_.find(key);
    if (it == s_.end()) throw std::logic_error("setting " + key + " has no value");
    return it->second;
  }
  [[noreturn]] static void bad(const std::string& key, const std::string& v,
                               const std::string& why) {
    bad_value(key, v, why);
  }

  const settings& s_;
  settings out_;
};

}  // namespace

train_args parse_train_args(const std::vector<std::string>& args) {
  const auto vm = parse_command_line(args);
  train_args a;
  a.argv = args;
  a.help = vm.count("help") > 0;
  if (vm.count("config")) a.config_file = vm["config"].as<std::string>();
  if (vm.count("out")) a.out = vm["out"].as<std::string>();
  a.resume = vm.count("resume") > 0;
  a.force = vm.count("force") > 0;
  a.quiet = vm.count("quiet") > 0;
  return a;
}

std::string train_help() {
  std::ostringstream os;
  os << "usage: esbio train [--config FILE] --out FILE [--resume] [--force] [--quiet] "
        "[--SECTION.KEY VALUE ...]\n\n"
     << "Train a task with an evolution strategy; run under mpirun/srun for more ranks.\n"
     << "Without --config the embedded defaults below run ES on the spiral in minutes.\n"
     << "Exit codes: 0 done, 2 bad input, 3 stopped by a signal after a checkpoint "
        "(continue with --resume), 1 other errors.\n\n"
     << run_description() << "\n"
     << config_description();
  return os.str();
}

settings resolve_settings(const std::string& base_ini_text, const std::string& base_name,
                          const std::vector<std::string>& args) {
  auto vm = parse_command_line(args);
  if (!base_ini_text.empty()) {
    std::istringstream in(base_ini_text);
    try {
      po::store(po::parse_config_file(in, config_description(), false), vm);
    } catch (const po::error& e) {
      throw input_error(base_name + ": " + e.what());
    }
  }
  settings s;
  for (const auto& spec : config_options())
    s[spec.key] = vm.count(spec.key) ? vm[spec.key].as<std::string>() : spec.default_value;
  return s;
}

std::vector<std::string> take_options(const po::options_description& desc,
                                      const std::vector<std::string>& args, po::variables_map& vm) {
  try {
    const auto parsed = po::command_line_parser(args).options(desc).allow_unregistered().run();
    po::store(parsed, vm);
    return po::collect_unrecognized(parsed.options, po::include_positional);
  } catch (const po::error& e) {
    throw input_error(e.what());
  }
}

std::optional<std::string> option_text(const po::variables_map& vm, const char* name) {
  if (!vm.count(name)) return std::nullopt;
  return vm[name].as<std::string>();
}

std::string read_config_text(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw input_error("config file '" + printable(path) + "' does not exist or is not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw input_error("config file '" + printable(path) + "' cannot be read");
  std::ostringstream os;
  os << in.rdbuf();
  std::string text = os.str();
  // A NUL or another control byte is never part of a setting, and would otherwise reach the
  // parser and the run file's configuration text.
  std::size_t line = 1;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\n') ++line;
    if ((c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c == 0x7f)
      throw input_error("config file '" + printable(path) + "' line " + std::to_string(line) +
                        " contains the control byte " + printable(std::string(1, ch)));
  }
  return text;
}

std::string settings_text(const settings& s) {
  std::string t;
  for (const auto& [k, v] : s) t += k + " = " + v + "\n";
  return t;
}

train::run_config to_run_config(const settings& s) {
  reader r(s);
  train::run_config c;
  c.seed = r.count("run.seed", 0, std::numeric_limits<std::uint64_t>::max());
  c.hash_every = static_cast<std::uint32_t>(r.count("run.hash_every"));
  c.max_failed_generations = static_cast<std::uint32_t>(r.count("run.max_failed_generations"));
  c.method = r.choice("method", {"es", "bp"}) == "bp" ? train::training_method::bp
                                                      : train::training_method::es;

  auto& t = c.task;
  t.seed = c.seed;
  t.name = r.text("task.name");
  t.hidden = r.count("task.hidden", 1, 1u << 20);
  t.batch = r.count("task.batch", 1, 1u << 20);
  t.window = r.count("task.window", 2, 1u << 20);
  t.points = r.count("task.points", 3, 1u << 22);
  t.t_end = r.real("task.t_end", true);
  t.truth_rtol = r.real("task.truth_rtol", true);
  t.truth_atol = r.real("task.truth_atol", true);
  t.depth = r.count("task.depth", 0, 64);
  t.activation = r.choice("task.activation", {"gelu", "tanh"});
  t.observations = r.count("task.observations", 2, 1u << 20);
  t.truth_atol_species = r.reals("task.truth_atol_species", "none");
  t.horizon = r.real("task.horizon", true);
  t.outputs = r.count("task.outputs", 2, 1u << 22);
  t.input_scale = r.real("task.input_scale");
  t.w_init = r.real("task.w_init");
  t.v0_mean = r.real("task.v0_mean");
  t.v0_sd = r.real("task.v0_sd", false, true);
  t.w0_mean = r.real("task.w0_mean");
  t.w0_sd = r.real("task.w0_sd", false, true);
  t.heterogeneous = r.flag("task.heterogeneous");
  t.el_sd = r.real("task.el_sd", false, true);
  t.spike_threshold = r.real("task.spike_threshold");
  t.spike_gain = r.real("task.spike_gain", true);
  t.neurons = r.count("task.neurons", 1, 1u << 14);
  t.trials = r.count("task.trials", 1, 1u << 16);
  t.integrator = r.choice("task.integrator", {"fixed", "bdf"});
  t.dt = r.real("task.dt", true);
  t.token_ms = r.real("task.token_ms", true);
  t.readout_ms = r.real("task.readout_ms", true);
  t.common_noise = r.flag("task.common_noise");
  t.restart_at_tokens = r.choice("task.token_boundaries", {"restart", "continue"}) == "restart";
  t.trial_v0_mean = r.real("task.trial_v0_mean");
  t.trial_v0_sd = r.real("task.trial_v0_sd", false, true);
  t.trial_w0 = r.real("task.trial_w0");
  t.network.iapp = r.real("network.iapp");
  t.network.input_gain = r.real("network.input_gain");
  t.network.input_bias = r.real("network.input_bias");
  t.network.vt = r.real("network.vt");
  t.network.kp = r.real("network.kp", true);
  t.network.kinetic = r.choice("network.synapse", {"current", "kinetic"}) == "kinetic";
  t.network.alpha = r.real("network.alpha", false, true);
  t.network.beta = r.real("network.beta", false, true);
  t.network.e_syn = r.real("network.e_syn");
  t.network.syn_gain = r.real("network.syn_gain");
  auto& n = t.neuron;
  n.C = r.real("neuron.C", true);
  n.gCa = r.real("neuron.gCa", false, true);
  n.ECa = r.real("neuron.ECa");
  n.gK = r.real("neuron.gK", false, true);
  n.EK = r.real("neuron.EK");
  n.gL = r.real("neuron.gL", false, true);
  n.EL = r.real("neuron.EL");
  n.V1 = r.real("neuron.V1");
  n.V2 = r.real("neuron.V2", true);
  n.V3 = r.real("neuron.V3");
  n.V4 = r.real("neuron.V4", true);
  n.phi = r.real("neuron.phi", true);
  auto& o = t.solver;
  o.lmm = r.choice("ode.method", {"bdf", "adams"}) == "bdf" ? ode::method::bdf : ode::method::adams;
  o.nls = r.choice("ode.nonlinear", {"newton", "fixedpoint"}) == "newton"
              ? ode::nonlinear_solver::newton
              : ode::nonlinear_solver::fixed_point;
  o.analytic_jacobian = r.choice("ode.jacobian", {"analytic", "fd"}) == "analytic";
  o.ls = r.choice("ode.linear_solver", {"dense", "gmres"}) == "dense" ? ode::linear_solver::dense
                                                                      : ode::linear_solver::gmres;
  o.krylov_dim = static_cast<int>(r.count("ode.krylov_dim", 0, 1000));
  o.rtol = r.real("ode.rtol", true);
  o.atol = r.real("ode.atol", true);
  o.atol_per_component = r.reals("ode.atol_per_component", "none");
  o.adjoint_atol = r.real("ode.adjoint_atol", false, true);
  o.max_steps_total = static_cast<long>(r.count("ode.max_steps", 1));
  o.max_seconds = r.real("ode.max_seconds", false, true);

  auto& e = c.es;
  e.seed = c.seed;
  e.kind = es::parse_strategy(r.choice("es.strategy", {"song", "openai"}));
  e.population = r.count("es.population", 0);
  e.sigma = r.real("es.sigma");
  e.baseline = es::parse_baseline(r.choice("es.baseline", {"none", "center", "centre", "mean"}));
  e.block_coordinate = r.flag("es.block_coordinate");
  if (s.at("es.blocks") == "none") {
    e.enabled = false;
    r.text("es.blocks");
  } else {
    e.blocks = r.names("es.blocks", "all");
  }
  e.exact_blocks = r.names("es.exact_blocks", "none");
  e.failure_penalty = r.real_or("es.failure_penalty", "max");
  e.weight_decay = r.real("es.weight_decay", false, true);
  es::validate(e);
  c.generations =
      static_cast<std::uint32_t>(r.count("es.generations", 1, tasks::validation_generation - 1));

  auto& p = c.optim;
  p.kind = es::parse_optimizer(r.choice("optim.name", {"sgd", "adam", "rmsprop"}));
  p.lr = r.real("optim.lr", true);
  p.momentum = r.real("optim.momentum", false, true);
  p.beta1 = r.real("optim.beta1", false, true);
  p.beta2 = r.real("optim.beta2", false, true);
  p.alpha = r.real("optim.alpha", false, true);
  p.eps = r.real("optim.eps", true);
  p.weight_decay = r.real("optim.weight_decay", false, true);
  p.clip_norm = r.real("optim.clip_norm", false, true);
  if (p.beta1 >= 1 || p.beta2 >= 1 || p.alpha >= 1)
    throw input_error("optim.beta1, optim.beta2 and optim.alpha must be below 1");
  c.checkpoint_every = static_cast<std::uint32_t>(r.count("checkpoint.every"));
  c.text = settings_text(r.canonical());
  return c;
}

}  // namespace esbio::cli
