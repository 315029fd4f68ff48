#pragma once
// Small HDF5 files read and written whole as data trees (core/data_tree.hpp): the network files
// users bring and esbio exports (docs/network-files.md). Reading refuses, with one line naming
// the file and the path, a missing file, one that is not HDF5, one locked by another writer,
// arrays larger than max_bytes as float64, and types the tree does not hold.

#include <cstdint>
#include <string>

#include "esbio/core/data_tree.hpp"

namespace esbio::io {

// what: how the file is named in messages ("network file").
data_group read_data_file(const std::string& path, const std::string& what,
                          std::uint64_t max_bytes);

// The tree as a new HDF5 file, atomically (output_file.hpp's policy is the caller's).
void write_data_file(const std::string& path, const data_group& root);

}  // namespace esbio::io
