// esbio export: a run's trained network as a network file (docs/network-files.md), or a task's
// initial one; with --data, a task's trials as a dataset file (task B: its batches of tokens),
// so that task network trains on them as the task trains itself. Rank 0 alone works.
#include <boost/program_options.hpp>

#include <iostream>

#include "collective.hpp"
#include "commands.hpp"
#include "esbio/core/error.hpp"
#include "esbio/core/values.hpp"
#include "esbio/io/data_file.hpp"
#include "esbio/io/run_file.hpp"
#include "esbio/models/network_file.hpp"
#include "esbio/tasks/registry.hpp"
#include "options.hpp"

namespace po = boost::program_options;

namespace esbio::cli {

namespace {

po::options_description export_description() {
  po::options_description d("esbio export");
  d.add_options()("params", po::value<std::string>()->value_name("RUN.h5"),
                  "the trained network of a run file (and, without --config, its configuration)")(
      "data", po::value<std::string>()->value_name("FILE"),
      "also write the task's trials as a dataset file (task evidence: generation 0's batch, "
      "then 1's, ... as the training split, in order, and its validation set)")(
      "generations", po::value<std::string>()->value_name("G"),
      "--data: the batches of generations 0..G-1 [1000]");
  return d;
}

int export_network(const std::vector<std::string>& args) {
  const auto desc = export_description();
  po::variables_map vm;
  const auto rest = take_options(desc, args, vm);
  const auto a = parse_train_args(rest);
  if (a.help) {
    std::cout << "usage: esbio export [--config FILE] [--params RUN.h5] --out NET.h5 [--data "
                 "DATA.h5 [--generations G]] [--force] [--SECTION.KEY VALUE ...]\n\nThe network "
                 "a run trained (or a task's initial one) as a network file, and with --data the "
                 "task's trials as a dataset file (docs/network-files.md).\n\n"
              << desc;
    return 0;
  }
  if (a.out.empty()) throw input_error("--out FILE is required (the network file to write)");
  const auto data = option_text(vm, "data");
  const auto generations = static_cast<std::uint32_t>(
      parse_count("--generations", option_text(vm, "generations").value_or("1000"), 1,
                  tasks::validation_generation - 1));
  if (option_text(vm, "generations") && !data) throw input_error("--generations needs --data FILE");
  check_output(a.out, a.force);
  if (data) {
    if (*data == a.out) throw input_error("--data and --out name the same file");
    check_output(*data, a.force);
  }
  std::string base, base_name, source = "its initial parameters";
  std::vector<double> theta;
  if (const auto params = option_text(vm, "params")) {
    const auto run = io::read_run_file(*params);
    io::require_finite(run, *params);
    base = run.meta.config;
    base_name = *params;
    theta = run.state.theta;
    source = *params + " after " + std::to_string(run.state.generation) + " generations";
  }
  if (!a.config_file.empty()) {
    base = read_config_text(a.config_file);
    base_name = a.config_file;
  }
  const auto cfg = to_run_config(resolve_settings(base, base_name, a.argv));
  const auto task = tasks::make_task(cfg.task, cfg.values, cfg.seed);
  if (!task->network())
    throw input_error("task " + task->name() +
                      " has no network to export (evidence and network do)");
  if (theta.empty()) theta = task->initial_params();
  if (theta.size() != task->layout().size())
    throw input_error("--params: the run's theta does not fit task " + task->name() +
                      " as configured");
  const auto tree = models::network_tree(task->network_at(theta));
  std::optional<data_group> trials;
  if (data) trials = task->trials_as_dataset(generations);
  io::write_data_file(a.out, tree);
  if (data) io::write_data_file(*data, *trials);
  if (!a.quiet) {
    std::cout << "wrote " << a.out << " (task " << task->name() << ", " << source << ")";
    if (data) std::cout << " and " << *data << " (" << generations << " generations' batches)";
    std::cout << "\n";
  }
  return 0;
}

}  // namespace

int export_command(int& argc, char**& argv, const std::vector<std::string>& args) {
  dist::mpi_session mpi(argc, argv);
  auto ctx = dist::make_mpi_context();
  const int status = root_decides(*ctx, [&] { return export_network(args) == 0 ? 0 : -1; });
  return status == -1 ? 0 : status;
}

}  // namespace esbio::cli
