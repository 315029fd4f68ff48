#include "collective.hpp"

#include <iostream>

#include "esbio/core/error.hpp"

namespace esbio::cli {

int root_decides(dist::context& ctx, const std::function<int()>& decide) {
  int status = 0;
  if (ctx.rank() == 0) {
    try {
      status = decide();
    } catch (const input_error& e) {
      std::cerr << "esbio: error: " << e.what() << "\n";
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

bool agree_on(dist::context& ctx, const std::function<void()>& fn) {
  int status = 0;
  try {
    fn();
  } catch (const input_error& e) {
    if (ctx.rank() == 0) std::cerr << "esbio: error: " << e.what() << "\n";
    status = 2;
  }
  return ctx.max(status) == 0;
}

std::unique_ptr<tasks::task> make_task_everywhere(dist::context& ctx,
                                                  const tasks::task_config& cfg) {
  std::unique_ptr<tasks::task> task;
  if (!agree_on(ctx, [&] { task = tasks::make_task(cfg); })) return nullptr;
  return task;
}

}  // namespace esbio::cli
