#include "options.hpp"

#include <boost/program_options.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

#include "esbio/core/error.hpp"
#include "esbio/core/values.hpp"
#include "esbio/es/registry.hpp"
#include "esbio/es/search.hpp"
#include "esbio/tasks/registry.hpp"

namespace po = boost::program_options;

namespace esbio::cli {

namespace {

// Every key any task reads, once, with the help line of the first task that reads it (each
// task's own section of --help shows its own line and default).
const std::map<std::string, std::string>& task_keys() {
  static const auto keys = [] {
    std::map<std::string, std::string> k;
    for (const auto& kind : tasks::task_kinds())
      for (const auto& o : kind.options) k.emplace(o.key, o.help);
    return k;
  }();
  return keys;
}

void add_option(po::options_description& d, const std::string& key, const std::string& help) {
  d.add_options()(key.c_str(), po::value<std::string>()->value_name("V"), help.c_str());
}

// Keys a strategy declares (es.restarts, ...): listed in its own section of --help.
bool strategy_key(const std::string& key) {
  for (const auto& k : es::strategies())
    for (const auto& o : k.options)
      if (o.key == key) return true;
  return false;
}

po::options_description general_description() {
  po::options_description d("Configuration (INI section = prefix; command line wins)");
  for (const auto& s : config_options())
    if (!strategy_key(s.key)) add_option(d, s.key, s.help + " [" + s.default_value + "]");
  return d;
}

// What the parser accepts: the general options, every strategy's and every task's.
po::options_description config_description() {
  po::options_description d("Configuration");
  for (const auto& s : config_options()) add_option(d, s.key, s.help);
  for (const auto& [key, help] : task_keys()) add_option(d, key, help);
  return d;
}

// --help: each strategy's own options, with their defaults.
std::string strategy_help() {
  std::ostringstream os;
  for (const auto& k : es::strategies()) {
    po::options_description d("es.strategy = " + k.name + " (" + k.summary + ")");
    for (const auto& o : k.options) add_option(d, o.key, o.help + " [" + o.default_value + "]");
    os << "\n" << d;
  }
  return os.str();
}

// --help: the general options, then each task's own, with its defaults.
std::string task_help() {
  std::ostringstream os;
  for (const auto& kind : tasks::task_kinds()) {
    po::options_description d("task.name = " + kind.name + " (" + kind.summary + ")");
    for (const auto& o : kind.options) add_option(d, o.key, o.help + " [" + o.default_value + "]");
    os << "\n" << d;
  }
  return os.str();
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
     << general_description() << strategy_help() << task_help();
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
  const auto value = [&](const std::string& key, const std::string& fallback) {
    return vm.count(key) ? vm[key].as<std::string>() : fallback;
  };
  settings s;
  for (const auto& spec : config_options()) s[spec.key] = value(spec.key, spec.default_value);
  // Only the task's own options enter the configuration: a key of another task (task.hidden in a
  // turn_off run, say) is accepted and ignored, so that one INI file can serve several tasks.
  for (const auto& o : tasks::find_task(s.at("task.name")).options)
    s[o.key] = value(o.key, o.default_value);
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

train::run_config to_run_config(const settings& s) {
  return train::read_run_config(s);
}

const std::vector<option_spec>& config_options() {
  static const auto specs = train::run_config_schema().options();
  return specs;
}

void resolve_items_per_member(train::run_config& cfg, int ranks) {
  if (cfg.items_per_member != 0) return;
  const auto task = tasks::make_task(cfg.task, cfg.values, cfg.seed);
  const std::size_t parts = task->batch_parts();
  // The members a generation hands out, as the strategy counts them (its default population
  // where es.population is 0, the centre and mirrored pairs included).
  const auto search = es::make_search(cfg.es, task->layout());
  const std::size_t members = search->evaluations(search->initial(task->initial_params()));
  // At least 4 items a rank keep dynamic dispatch balanced (bench/RESULTS.md, "A model of 1024
  // ranks"); a divisor of the batch's parts gives equal parts.
  const std::size_t want = (4 * static_cast<std::size_t>(ranks) + members - 1) / members;
  std::size_t k = parts;
  for (std::size_t d = 1; d <= parts; ++d)
    if (parts % d == 0 && d >= want) {
      k = d;
      break;
    }
  cfg.items_per_member = static_cast<std::uint32_t>(k);
  train::update_text(cfg);
}

}  // namespace esbio::cli
