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

std::unique_ptr<tasks::task> make_task_everywhere(dist::context& ctx,
                                                  const tasks::task_config& cfg) {
  std::unique_ptr<tasks::task> task;
  int status = 0;
  try {
    task = tasks::make_task(cfg);
  } catch (const input_error& e) {
    if (ctx.rank() == 0) std::cerr << "esbio: error: " << e.what() << "\n";
    status = 2;
  }
  if (ctx.max(status) != 0) return nullptr;
  return task;
}

}  // namespace esbio::cli
