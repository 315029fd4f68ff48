// esbio scan: the loss along one parameter, the points spread over the ranks, with its
// Gaussian-smoothed version and finite-difference gradients of both (analysis/landscape.hpp);
// this file parses, calls and writes.
#include <boost/program_options.hpp>

#include <cmath>
#include <fstream>
#include <iostream>
#include <limits>
#include <sstream>

#include "collective.hpp"
#include "commands.hpp"
#include "esbio/analysis/landscape.hpp"
#include "esbio/core/error.hpp"
#include "esbio/core/values.hpp"
#include "esbio/io/run_file.hpp"
#include "esbio/version.hpp"
#include "options.hpp"

namespace po = boost::program_options;

namespace esbio::cli {

namespace {

struct scan_args {
  std::string param = "W";
  std::size_t index = 0;
  double from = 0.5, to = 1.5;
  std::size_t points = 1000;
  double sigma = 0.003;
  std::string params_file;  // take theta from a run file instead of the task's initial values
  bool help = false;
  train_args run;  // --config, --out, --force, --quiet and the configuration overrides
};

// Upper bounds checked before anything is allocated: a scan of more points than this is a typo.
constexpr std::uint64_t max_points = 10'000'000;

po::options_description scan_description() {
  po::options_description d("esbio scan");
  d.add_options()("param", po::value<std::string>()->value_name("BLOCK"), "parameter block [W]")(
      "index", po::value<std::string>()->value_name("K"), "entry within the block [0]")(
      "from", po::value<std::string>()->value_name("X"), "first value [0.5]")(
      "to", po::value<std::string>()->value_name("X"), "last value [1.5]")(
      "points", po::value<std::string>()->value_name("N"), "number of values, 2 to 10^7 [1000]")(
      "sigma", po::value<std::string>()->value_name("S"),
      "standard deviation of the smoothing kernel, in parameter units [0.003]")(
      "params", po::value<std::string>()->value_name("RUN.h5"),
      "start from the final parameters of a run file");
  return d;
}

// Pure parsing (every rank gets the same argv); the file checks are rank 0's.
scan_args parse_scan_args(const std::vector<std::string>& args) {
  scan_args a;
  po::variables_map vm;
  const auto desc = scan_description();  // parsed options point into it: keep it alive
  const auto rest = take_options(desc, args, vm);
  a.run = parse_train_args(rest);
  a.help = a.run.help;
  if (a.help) return a;
  if (auto v = option_text(vm, "param")) a.param = *v;
  if (auto v = option_text(vm, "index")) a.index = parse_count("--index", *v);
  if (auto v = option_text(vm, "from")) a.from = parse_real("--from", *v);
  if (auto v = option_text(vm, "to")) a.to = parse_real("--to", *v);
  if (auto v = option_text(vm, "points")) a.points = parse_count("--points", *v, 2, max_points);
  if (auto v = option_text(vm, "sigma"))
    a.sigma = parse_real("--sigma", *v, real_sign::non_negative);
  if (auto v = option_text(vm, "params")) a.params_file = *v;
  if (!(a.to > a.from)) throw input_error("--to must be larger than --from");
  if (!std::isfinite(a.to - a.from))
    throw input_error("--from and --to are too far apart to step between");
  if (a.run.out.empty()) throw input_error("--out FILE is required (the HDF5 scan file to write)");
  return a;
}

}  // namespace

int scan_command(int& argc, char**& argv, const std::vector<std::string>& args) {
  dist::mpi_session mpi(argc, argv);
  auto ctx = dist::make_mpi_context();
  scan_args a;
  train::run_config cfg;
  std::vector<char> theta_bytes;
  const int status = root_decides(*ctx, [&] {
    a = parse_scan_args(args);
    if (!a.help) check_output(a.run.out, a.run.force);
    if (a.help) {
      std::cout << "usage: esbio scan --config FILE --out FILE [--param BLOCK] [--index K] "
                   "[--from X] [--to X] [--points N] [--sigma S] [--params RUN.h5] "
                   "[--SECTION.KEY VALUE ...]\n\nThe loss along one parameter, spread over the "
                   "ranks, with its Gaussian-smoothed version and both finite-difference "
                   "gradients. The paper's task A landscape:\n  esbio scan --config "
                   "data/paper/turn_off.ini --task.horizon 3000 --task.outputs 3000 --out "
                   "scan.h5\n\n"
                << scan_description();
      return -1;
    }
    cfg = analysis_config(a.run);
    theta_bytes = run_file_theta(a.params_file);
    return 0;
  });
  if (status == -1) return 0;
  if (status != 0) return status;

  if (!same_instruction_set(*ctx)) return 2;
  analysis_setup setup;
  if (const int st = share_analysis(*ctx, cfg, theta_bytes, setup); st != 0) return st;
  if (ctx->rank() != 0) a = parse_scan_args(args);
  const auto& task = setup.task;
  std::vector<double>& theta = setup.theta;
  const int layout_status = root_decides(*ctx, [&] {
    try {
      if (a.index >= task->layout().block(a.param).size())
        throw input_error("--index " + std::to_string(a.index) + " is outside block " + a.param);
    } catch (const std::out_of_range&) {
      throw input_error("--param: task " + task->name() + " has no parameter block '" + a.param +
                        "'");
    }
    return 0;
  });
  if (layout_status != 0) return layout_status;
  const std::size_t position = task->layout().block(a.param).offset + a.index;
  const auto l =
      analysis::scan_parameter(*ctx, *setup.eval, theta, position, a.from, a.to, a.points, a.sigma);
  if (ctx->rank() != 0) return 0;

  io::table_file t;
  t.format = "esbio-scan-1";
  t.group = "scan";
  t.text_attrs = {{"program_version", esbio::version},
                  {"git_revision", esbio::git_revision},
                  {"config", setup.cfg.text},
                  {"task", task->name()},
                  {"param", a.param + "[" + std::to_string(a.index) + "]"}};
  t.real_attrs = {{"sigma", a.sigma}, {"ranks", static_cast<double>(ctx->size())}};
  t.columns = {{"values", l.values},
               {"loss", l.loss},
               {"smoothed_loss", l.smoothed_loss},
               {"gradient", l.gradient},
               {"smoothed_gradient", l.smoothed_gradient},
               {"status", l.status},
               {"solver_steps", l.solver_steps}};
  io::write_table_file(a.run.out, t);
  if (!a.run.quiet)
    std::cout << "scanned " << a.points << " values of " << a.param << "[" << a.index << "] on "
              << a.from << ".." << a.to << " over " << ctx->size() << " rank(s), " << l.failures
              << " failed; wrote " << a.run.out << std::endl;
  return 0;
}

}  // namespace esbio::cli
