// esbio simulate: the trajectories of given parameters (a run file's final theta, or the task's
// initial values) on one batch, written to HDF5 for inspection: V, w and T for the neuron
// tasks, logits for task B, predictions against the truth for the spiral. Rank 0 alone works.
#include <boost/program_options.hpp>

#include <cmath>
#include <fstream>
#include <iostream>
#include <sstream>

#include "collective.hpp"
#include "commands.hpp"
#include "esbio/core/error.hpp"
#include "esbio/core/values.hpp"
#include "esbio/io/run_file.hpp"
#include "esbio/tasks/registry.hpp"
#include "esbio/version.hpp"
#include "options.hpp"

namespace po = boost::program_options;

namespace esbio::cli {

namespace {

po::options_description simulate_description() {
  po::options_description d("esbio simulate");
  d.add_options()("params", po::value<std::string>()->value_name("RUN.h5"),
                  "simulate the final parameters of a run file (and, without --config, its "
                  "configuration)")("generation", po::value<std::string>()->value_name("G"),
                                    "the batch of generation G [the fixed validation batch]");
  return d;
}

}  // namespace

namespace {

int simulate(const std::vector<std::string>& args) {
  const auto desc = simulate_description();  // parsed options point into it
  po::variables_map vm;
  const auto rest = take_options(desc, args, vm);
  const auto a = parse_train_args(rest);
  if (a.help) {
    std::cout << "usage: esbio simulate [--config FILE] [--params RUN.h5] [--generation G] --out "
                 "FILE [--force] [--SECTION.KEY VALUE ...]\n\nTrajectories of the centre "
                 "parameters on one batch, to HDF5 (/traces/*).\n\n"
              << desc;
    return 0;
  }
  if (a.out.empty()) throw input_error("--out FILE is required (the HDF5 file to write)");
  const std::uint32_t generation = vm.count("generation")
                                       ? static_cast<std::uint32_t>(parse_count(
                                             "--generation", vm["generation"].as<std::string>(), 0,
                                             tasks::validation_generation - 1))
                                       : tasks::validation_generation;
  check_output(a.out, a.force);

  std::string base, base_name, source = "initial parameters";
  std::vector<double> theta;
  if (vm.count("params")) {
    const auto path = vm["params"].as<std::string>();
    const auto run = io::read_run_file(path);
    io::require_finite(run, path);
    base = run.meta.config;
    base_name = path;
    theta = run.state.theta;
    source = path + " after " + std::to_string(run.state.generation) + " generations";
  }
  if (!a.config_file.empty()) {
    base = read_config_text(a.config_file);
    base_name = a.config_file;
  }
  const auto cfg = to_run_config(resolve_settings(base, base_name, a.argv));
  auto task = tasks::make_task(cfg.task, cfg.values, cfg.seed);
  if (theta.empty()) theta = task->initial_params();
  if (theta.size() != task->layout().size())
    throw input_error("--params: the run's theta does not fit task " + task->name() +
                      " as configured");

  io::table_file t;
  t.format = "esbio-traces-1";
  t.group = "traces";
  t.text_attrs = {{"program_version", esbio::version},
                  {"git_revision", esbio::git_revision},
                  {"config", cfg.text},
                  {"task", task->name()},
                  {"parameters", source},
                  {"batch", generation == tasks::validation_generation
                                ? std::string("validation")
                                : "generation " + std::to_string(generation)}};
  auto evaluator = task->make_evaluator();
  t.arrays = evaluator->traces(theta, generation);
  t.columns = {{"theta", theta}};
  // The batch's loss (and accuracy) as training scores it: a trained network exported and
  // simulated gives its run's validation loss back.
  const auto ev = evaluator->evaluate(theta, generation);
  t.real_attrs = {{"loss", ev.ok() ? ev.loss : std::nan("")},
                  {"accuracy", ev.ok() ? ev.accuracy : std::nan("")}};
  io::write_table_file(a.out, t);
  if (!a.quiet) {
    std::cout << "wrote " << a.out << " (" << task->name() << ", " << source << "); loss "
              << format_real(ev.loss);
    if (std::isfinite(ev.accuracy)) std::cout << ", accuracy " << format_real(ev.accuracy);
    std::cout << "\n";
  }
  return 0;
}

}  // namespace

int simulate_command(int& argc, char**& argv, const std::vector<std::string>& args) {
  // One process does the work; under mpirun the other ranks only wait for its verdict.
  dist::mpi_session mpi(argc, argv);
  auto ctx = dist::make_mpi_context();
  const int status = root_decides(*ctx, [&] { return simulate(args) == 0 ? 0 : -1; });
  return status == -1 ? 0 : status;
}

}  // namespace esbio::cli
