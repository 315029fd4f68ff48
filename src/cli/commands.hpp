#pragma once

#include <string>
#include <vector>

namespace esbio::cli {

// Each returns the process exit code (0 ok, 2 bad input, 3 stopped after a checkpoint, 1 other).
int train_command(int& argc, char**& argv, const std::vector<std::string>& args);
int scan_command(int& argc, char**& argv, const std::vector<std::string>& args);
int gradient_command(int& argc, char**& argv, const std::vector<std::string>& args);
int simulate_command(int& argc, char**& argv, const std::vector<std::string>& args);
int info_command(int& argc, char**& argv, const std::vector<std::string>& args);
int export_command(int& argc, char**& argv, const std::vector<std::string>& args);

}  // namespace esbio::cli
