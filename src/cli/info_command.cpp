#include <cmath>
#include <cstddef>
#include <iostream>
#include <string>
#include <variant>

#include "collective.hpp"
#include "commands.hpp"
#include "esbio/core/error.hpp"
#include "esbio/io/run_file.hpp"
#include "progress.hpp"

namespace esbio::cli {

namespace {

int info(std::vector<std::string> args) {
  const bool status_only = !args.empty() && args[0] == "--status";
  if (status_only) args.erase(args.begin());
  if (args.size() != 1 || args[0] == "--help" || args[0] == "-h") {
    if (args.size() == 1) {
      std::cout << "usage: esbio info [--status] RUN.h5\n\nSummarise a run file: provenance, "
                   "progress, losses, failures and the resolved configuration. With --status, "
                   "print only the run's status (running, stopped, failed or finished), for job "
                   "scripts: under mpirun a SIGTERM makes mpirun itself exit 1 whatever esbio "
                   "did, and `stopped` then says the checkpoint is there to --resume.\n";
      return 0;
    }
    throw input_error("usage: esbio info [--status] RUN.h5");
  }
  const auto rc = io::read_run_file(args[0]);
  if (status_only) {
    std::cout << rc.meta.status << "\n";
    return 0;
  }
  const auto& m = rc.meta;
  const auto& h = rc.state.history;
  std::cout << "run file      " << args[0] << "\n"
            << "status        " << m.status << " after " << rc.state.generation << " generations\n"
            << "task          " << m.task << " (" << rc.state.theta.size()
            << " parameters), method " << m.method << "\n"
            << "seed          " << m.seed << ", " << m.ranks << " rank(s), started " << m.start_time
            << "\n"
            << "built from    esbio " << m.program_version << " (" << m.git_revision
            << "), SUNDIALS " << m.sundials_version << ", " << m.mpi_version << "\n"
            << "instructions  "
            << (m.instruction_set.empty() ? "(not recorded)" : m.instruction_set) << "\n";
  // What the run was given as files: the dataset as recorded when it began, and the network
  // embedded in /network (esbio export writes it out).
  const auto recorded = [&](const char* key) -> std::string {
    for (const auto& [k, v] : m.files)
      if (k == key) return v;
    return {};
  };
  if (!recorded("data_file").empty())
    std::cout << "data file     " << recorded("data_file") << " (" << recorded("data_size")
              << " bytes, sha256 " << recorded("data_sha256") << ")\n";
  if (m.network) {
    const auto pops = m.network->groups.find("populations");
    std::size_t neurons = 0;
    std::string models;
    if (pops != m.network->groups.end())
      for (const auto& [name, g] : pops->second.groups) {
        const auto count = g.attrs.find("count");
        const auto model = g.attrs.find("model");
        if (count != g.attrs.end())
          if (const auto* c = std::get_if<double>(&count->second))
            neurons += static_cast<std::size_t>(*c);
        if (model != g.attrs.end())
          if (const auto* s = std::get_if<std::string>(&model->second))
            if (models.find(*s) == std::string::npos) models += (models.empty() ? "" : ", ") + *s;
      }
    std::cout << "network       " << neurons << " neurons (" << models
              << ") in /network; esbio export --params " << args[0] << " writes it trained\n";
  }
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

}  // namespace

int info_command(int& argc, char**& argv, const std::vector<std::string>& args) {
  dist::mpi_session mpi(argc, argv);
  auto ctx = dist::make_mpi_context();
  const int status = root_decides(*ctx, [&] { return info(args) == 0 ? 0 : -1; });
  return status == -1 ? 0 : status;
}

}  // namespace esbio::cli
