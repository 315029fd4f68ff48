#include "esbio/io/data_file.hpp"

#include "esbio/io/output_file.hpp"
#include "h5_file.hpp"
#include "h5_tree.hpp"

namespace esbio::io {

data_group read_data_file(const std::string& path, const std::string& what,
                          std::uint64_t max_bytes) {
  const auto file = h5::open_for_reading(path, what);
  const h5::tree_reader r{what, path, max_bytes};
  return r.read(file, "/");
}

void write_data_file(const std::string& path, const data_group& root) {
  h5::write_atomically(path, [&](hid_t file) { h5::write_tree(file, root); });
}

}  // namespace esbio::io
