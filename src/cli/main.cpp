// esbio: train stiff biophysical networks and neural ODEs with evolution strategies on MPI.
#include <unistd.h>

#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "esbio/core/error.hpp"
#include "esbio/core/platform.hpp"
#include "esbio/core/values.hpp"
#include "esbio/dist/context.hpp"
#include "esbio/io/file_access.hpp"
#include "esbio/version.hpp"
#include "options.hpp"
#include "stop_signals.hpp"

namespace {

const char* usage =
    "usage: esbio COMMAND [options]\n\n"
    "Train stiff biophysical neural networks and neural ODEs with evolution strategies.\n\n"
    "commands:\n"
    "  train   run ES on a task and write an HDF5 run file (esbio train --help)\n"
    "  scan    the loss along one parameter, raw and Gaussian-smoothed (esbio scan --help)\n"
    "  simulate  trajectories of given parameters to HDF5 (esbio simulate --help)\n"
    "  gradient  BP gradient vs ES estimates over sigma and S, cosines (esbio gradient --help)\n"
    "  info    summarise a run file (esbio info RUN.h5)\n"
    "  export  a run's trained network as a network file, a task's trials as a dataset file "
    "(esbio export --help)\n\n"
    "  esbio --version   print the version\n"
    "Run under mpirun or srun for more ranks; see README.md for the quick start.\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << usage;
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    std::cout << "esbio " << esbio::version << " (" << esbio::git_revision << ")\n";
    return 0;
  }
  if (const auto missing = esbio::missing_instructions(); !missing.empty()) {
    std::cerr << "esbio: error: this esbio was built for instructions this CPU lacks (" << missing
              << "); build it on this kind of node, or with cmake --preset portable\n";
    return 2;
  }
  const std::string command = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  esbio::io::install_file_access();
  try {
    if (command == "train") return esbio::cli::train_command(argc, argv, rest);
    if (command == "scan") return esbio::cli::scan_command(argc, argv, rest);
    if (command == "gradient") return esbio::cli::gradient_command(argc, argv, rest);
    if (command == "simulate") return esbio::cli::simulate_command(argc, argv, rest);
    if (command == "info") return esbio::cli::info_command(argc, argv, rest);
    if (command == "export") return esbio::cli::export_command(argc, argv, rest);
    std::cerr << "esbio: error: unknown command '" << command << "' (try esbio --help)\n";
    return 2;
  } catch (const esbio::input_error& e) {
    // Every rank reaches the same verdict on the same input; only rank 0 says it.
    if (esbio::dist::world_rank() == 0)
      std::cerr << "esbio: error: " << esbio::printable(e.what()) << "\n";
    return 2;
  } catch (const std::exception& e) {
    const int rank = esbio::dist::world_rank();
    // A rank whose peer (rank 0) has just exited on SIGTERM sees its MPI calls fail: that is
    // the stop, not an error of its own.
    if (rank != 0 && esbio::cli::stop_signals::urgent_pending()) ::_exit(3);
    // A consistency_error is raised on every rank alike; anything else may be this rank's own.
    if (rank == 0 || !dynamic_cast<const esbio::consistency_error*>(&e))
      std::cerr << "esbio: fatal" << (rank == 0 ? "" : " (rank " + std::to_string(rank) + ")")
                << ": " << esbio::printable(e.what()) << "\n";
    // Other ranks may wait in a collective for this one: take the whole job down.
    esbio::dist::abort_all(1);
  }
}
