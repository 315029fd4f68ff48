#include <cmath>
#include <iostream>

#include "commands.hpp"
#include "esbio/core/error.hpp"
#include "esbio/io/run_file.hpp"
#include "progress.hpp"

namespace esbio::cli {

int info_command(const std::vector<std::string>& args) {
  if (args.size() != 1 || args[0] == "--help" || args[0] == "-h") {
    if (args.size() == 1) {
      std::cout << "usage: esbio info RUN.h5\n\nSummarise a run file: provenance, progress, "
                   "losses, failures and the resolved configuration.\n";
      return 0;
    }
    throw input_error("usage: esbio info RUN.h5");
  }
  const auto rc = io::read_run_file(args[0]);
  const auto& m = rc.meta;
  const auto& h = rc.state.history;
  std::cout << "run file      " << args[0] << "\n"
            << "status        " << m.status << " after " << rc.state.generation << " generations\n"
            << "task          " << m.task << " (" << rc.state.theta.size()
            << " parameters), method " << m.method << "\n"
            << "seed          " << m.seed << ", " << m.ranks << " rank(s), started " << m.start_time
            << "\n"
            << "built from    esbio " << m.program_version << " (" << m.git_revision
            << "), SUNDIALS " << m.sundials_version << ", " << m.mpi_version << "\n";
  if (!h.empty()) {
    double best = INFINITY, wall = 0;
    long long failures = 0, evals = 0;
    for (const auto& r : h) {
      if (std::isfinite(r.loss)) best = std::min(best, r.loss);
      wall += r.wall_s;
      failures += r.failures;
      evals += r.evaluations;
    }
    std::cout << "loss          first " << h.front().loss << ", last " << h.back().loss << ", best "
              << best << "\n"
              << "evaluations   " << evals << " (" << failures << " failed), "
              << format_duration(wall) << " of generation time\n";
  }
  std::cout << "configuration\n";
  std::string line;
  for (char c : m.config) {
    if (c == '\n') {
      std::cout << "  " << line << "\n";
      line.clear();
    } else {
      line += c;
    }
  }
  return 0;
}

}  // namespace esbio::cli
