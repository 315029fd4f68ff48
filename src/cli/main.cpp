// esbio: train stiff biophysical networks and neural ODEs with evolution strategies on MPI.
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "esbio/core/error.hpp"
#include "esbio/dist/context.hpp"
#include "esbio/version.hpp"
#include "options.hpp"

namespace {

const char* usage =
    "usage: esbio COMMAND [options]\n\n"
    "Train stiff biophysical neural networks and neural ODEs with evolution strategies.\n\n"
    "commands:\n"
    "  train   run ES on a task and write an HDF5 run file (esbio train --help)\n"
    "  scan    the loss along one parameter, raw and Gaussian-smoothed (esbio scan --help)\n"
    "  simulate  trajectories of given parameters to HDF5 (esbio simulate --help)\n"
    "  gradient  BP gradient vs ES estimates over sigma and S, cosines (esbio gradient --help)\n"
    "  info    summarise a run file (esbio info RUN.h5)\n\n"
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
  const std::string command = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  try {
    if (command == "train") return esbio::cli::train_command(argc, argv, rest);
    if (command == "scan") return esbio::cli::scan_command(argc, argv, rest);
    if (command == "gradient") return esbio::cli::gradient_command(argc, argv, rest);
    if (command == "simulate") return esbio::cli::simulate_command(rest);
    if (command == "info") return esbio::cli::info_command(rest);
    std::cerr << "esbio: error: unknown command '" << command << "' (try esbio --help)\n";
    return 2;
  } catch (const esbio::input_error& e) {
    std::cerr << "esbio: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    // Other ranks may wait in a collective for this one: take the whole job down.
    std::cerr << "esbio: fatal: " << e.what() << "\n";
    esbio::dist::abort_all(1);
  }
}
