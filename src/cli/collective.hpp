#pragma once
// Start-up steps every MPI subcommand shares: rank 0 alone touches files and judges the input,
// then the verdict and the resolved configuration reach every rank, so all ranks agree on
// whether to go on and build identical tasks.

#include <functional>
#include <memory>
#include <string>

#include "esbio/dist/context.hpp"
#include "esbio/tasks/task.hpp"
#include "esbio/train/run_config.hpp"
#include "options.hpp"

namespace esbio::cli {

// Run decide() on rank 0, turning an input_error into one "esbio: error:" line and status 2.
// Returns rank 0's status on every rank (decide returns 0 to go on, -1 for "done, exit 0").
int root_decides(dist::context& ctx, const std::function<int()>& decide);

std::string broadcast_string(dist::context& ctx, const std::string& s);

// Whether every rank computes with the same instruction set (core/platform.hpp); if not, rank 0
// says so in one line. Different CPUs in one job would break bit-identity silently.
bool same_instruction_set(dist::context& ctx);

// Run fn on every rank (building something from the shared configuration); if it throws an
// input_error anywhere, rank 0 reports it and every rank gets false.
bool agree_on(dist::context& ctx, const std::function<void()>& fn);

// Build the run's task on every rank; on an input error rank 0 reports it and every rank gets
// null.
std::unique_ptr<tasks::task> make_task_everywhere(dist::context& ctx, const train::run_config& cfg);

// Every command that writes FILE checks it first with io::check_new_output (the policy for
// --force, directories, devices and unwritable places is there); `alternative` adds another way
// out of the refusal of an existing file, e.g. --resume.
void check_output(const std::string& path, bool force, const std::string& alternative = "");

// The analysis commands (scan, gradient) on rank 0: the configuration from --config and the
// overrides, and theta from --params RUN.h5 as raw bytes (empty without --params), to broadcast.
train::run_config analysis_config(const train_args& run);
std::vector<char> run_file_theta(const std::string& params_file);
// On every rank, after rank 0 resolved them: rank 0's configuration (cfg, meaningful there) and
// --params bytes shared, the other ranks reading the configuration from its text, the task built
// and theta installed (the task's initial one, or the run file's if it fits). Returns 0, or the
// exit status every rank should return (rank 0 has reported the problem).
struct analysis_setup {
  train::run_config cfg;
  std::unique_ptr<tasks::task> task;
  std::unique_ptr<tasks::evaluator> eval;  // this rank's
  std::vector<double> theta;
};
int share_analysis(dist::context& ctx, const train::run_config& cfg, std::vector<char> theta_bytes,
                   analysis_setup& out);

}  // namespace esbio::cli
