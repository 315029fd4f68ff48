#include "collective.hpp"

#include <cstring>
#include <iostream>

#include "esbio/core/error.hpp"
#include "esbio/core/hash.hpp"
#include "esbio/core/platform.hpp"
#include "esbio/io/output_file.hpp"
#include "esbio/io/run_file.hpp"
#include "esbio/tasks/registry.hpp"

namespace esbio::cli {

int root_decides(dist::context& ctx, const std::function<int()>& decide) {
  int status = 0;
  if (ctx.rank() == 0) {
    try {
      status = decide();
    } catch (const input_error& e) {
      std::cerr << "esbio: error: " << e.what() << "\n";
      status = 2;
    } catch (const std::bad_alloc&) {
      std::cerr << "esbio: error: not enough memory for this configuration\n";
      status = 2;
    }
  }
  std::vector<char> bytes{static_cast<char>(status)};
  ctx.broadcast(bytes);
  return bytes[0];
}

std::string broadcast_string(dist::context& ctx, const std::string& s) {
  std::vector<char> bytes(s.begin(), s.end());
  ctx.broadcast(bytes);
  return {bytes.begin(), bytes.end()};
}

bool same_instruction_set(dist::context& ctx) {
  const auto mine = instruction_set();
  if (ctx.all_equal(fnv1a(mine))) return true;
  if (ctx.rank() == 0)
    std::cerr << "esbio: error: the ranks of this job run on different instruction sets (rank 0: "
              << mine << "), so their results would differ in the last bits; run on one kind "
              << "of node, or build with cmake --preset portable\n";
  return false;
}

bool agree_on(dist::context& ctx, const std::function<void()>& fn) {
  int status = 0;
  try {
    fn();
  } catch (const input_error& e) {
    if (ctx.rank() == 0) std::cerr << "esbio: error: " << e.what() << "\n";
    status = 2;
  } catch (const std::bad_alloc&) {
    if (ctx.rank() == 0) std::cerr << "esbio: error: not enough memory for this configuration\n";
    status = 2;
  }
  return ctx.max(status) == 0;
}

std::unique_ptr<tasks::task> make_task_everywhere(dist::context& ctx,
                                                  const train::run_config& cfg) {
  std::unique_ptr<tasks::task> task;
  if (!agree_on(ctx, [&] { task = tasks::make_task(cfg.task, cfg.values, cfg.seed); }))
    return nullptr;
  return task;
}

void check_output(const std::string& path, bool force, const std::string& alternative) {
  io::check_new_output(path, force, alternative);
}

train::run_config analysis_config(const train_args& run) {
  std::string base, base_name;
  if (!run.config_file.empty()) {
    base = read_config_text(run.config_file);
    base_name = run.config_file;
  }
  return to_run_config(resolve_settings(base, base_name, run.argv));
}

std::vector<char> run_file_theta(const std::string& params_file) {
  if (params_file.empty()) return {};
  const auto rc = io::read_run_file(params_file);
  io::require_finite(rc, params_file);
  const auto& th = rc.state.theta;
  return {reinterpret_cast<const char*>(th.data()),
          reinterpret_cast<const char*>(th.data() + th.size())};
}

int share_analysis(dist::context& ctx, const train::run_config& cfg, std::vector<char> theta_bytes,
                   analysis_setup& out) {
  const auto text = broadcast_string(ctx, cfg.text);
  ctx.broadcast(theta_bytes);
  out.cfg = ctx.rank() == 0 ? cfg : to_run_config(resolve_settings(text, "configuration", {}));
  out.task = make_task_everywhere(ctx, out.cfg);
  if (!out.task) return 2;
  out.eval = out.task->make_evaluator();
  out.theta = out.task->initial_params();
  const int status = root_decides(ctx, [&] {
    if (!theta_bytes.empty() && theta_bytes.size() != out.theta.size() * sizeof(double))
      throw input_error("--params: the run file's theta does not fit task " + out.task->name());
    return 0;
  });
  if (status == 0 && !theta_bytes.empty())
    std::memcpy(out.theta.data(), theta_bytes.data(), theta_bytes.size());
  return status;
}

}  // namespace esbio::cli
