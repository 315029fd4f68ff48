#pragma once
// The configuration surface of esbio: one table of options, each settable in the INI file
// (section = prefix: [es] population = 100) and on the command line (--es.population 100), the
// command line winning. Values are parsed here into typed settings and printed back canonically,
// which is the text recorded in the run file and compared on --resume.

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "esbio/core/settings.hpp"
#include "esbio/train/run_config.hpp"

namespace esbio::cli {

// The options every run has (run.*, method, task.name, es.*, optim.*, checkpoint.*); each task
// declares its own (tasks/registry.hpp).
const std::vector<option_spec>& config_options();

struct train_args {
  std::string config_file;  // empty: the embedded defaults (or the run file's on --resume)
  std::string out;
  bool resume = false, force = false, quiet = false, help = false;
  std::vector<std::string> argv;  // kept to re-read overrides after the base config is known
};

train_args parse_train_args(const std::vector<std::string>& args);
std::string train_help();

// Parse a subcommand's own options (desc) into vm and return the other arguments (the run and
// configuration options) for parse_train_args and resolve_settings.
std::vector<std::string> take_options(const boost::program_options::options_description& desc,
                                      const std::vector<std::string>& args,
                                      boost::program_options::variables_map& vm);

// A subcommand option's text, if given. Subcommands declare their options as strings and convert
// them with values.hpp, so that every number esbio reads passes the same checks.
std::optional<std::string> option_text(const boost::program_options::variables_map& vm,
                                       const char* name);

// The text of an INI configuration file; input_error if it is missing or unreadable.
std::string read_config_text(const std::string& path);

// Merge: defaults < base text (INI file contents or a run file's config) < command line, over
// the general options and those of the task named (task.name); other tasks' keys are ignored.
settings resolve_settings(const std::string& base_ini_text, const std::string& base_name,
                          const std::vector<std::string>& args);
train::run_config to_run_config(const settings& s);  // throws input_error naming the setting
// dist.items_per_member = auto resolved in cfg (the field and its canonical text) to the K it
// means at this rank count: the smallest divisor of the task's batch parts with
// K x members >= 4 x ranks (or all the parts). Unchanged when K is a number. The run file records
// the number, so a resume keeps it.
void resolve_items_per_member(train::run_config& cfg, int ranks);

}  // namespace esbio::cli
