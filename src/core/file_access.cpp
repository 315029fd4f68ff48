#include "esbio/core/file_access.hpp"

#include <atomic>
#include <stdexcept>

namespace esbio {

namespace {
file_access& installed() {
  static file_access access;
  return access;
}
}  // namespace

namespace {
std::atomic<std::uint64_t> array_bytes{0};
}

std::uint64_t array_bytes_read() {
  return array_bytes.load(std::memory_order_relaxed);
}

void count_array_bytes_read(std::uint64_t bytes) {
  array_bytes.fetch_add(bytes, std::memory_order_relaxed);
}

void install_file_access(file_access access) {
  installed() = std::move(access);
}

const file_access& files() {
  const auto& a = installed();
  if (!a.read_tree || !a.open_arrays || !a.fingerprint)
    throw std::logic_error("no file access installed: call io::install_file_access() first");
  return a;
}

}  // namespace esbio
