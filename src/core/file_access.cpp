#include "esbio/core/file_access.hpp"

#include <stdexcept>

namespace esbio {

namespace {
file_access& installed() {
  static file_access access;
  return access;
}
}  // namespace

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
