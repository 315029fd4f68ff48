#pragma once
// A data_group (core/data_tree.hpp) to and from an open HDF5 group, recursively. Private to io.
//
// Reading takes what h5py writes: integer and floating datasets and attributes of any width and
// byte order (booleans included, which h5py stores as an enum), strings of fixed or variable
// length in ASCII or UTF-8, scalars and 1-D lists; chunked and gzip-compressed datasets read like
// any other. Anything else (compound records, references, opaque data, variable-length arrays)
// is refused by name. Every refusal is an input_error "WHAT 'FILE': /PATH ...".

#include <hdf5.h>

#include <cstdint>
#include <string>

#include "esbio/core/data_tree.hpp"

namespace esbio::io::h5 {

struct tree_reader {
  std::string what;  // "network file", "run file", ...
  std::string file;
  std::uint64_t max_bytes;  // the largest array read whole
  [[noreturn]] void refuse(const std::string& path, const std::string& problem) const;
  data_group read(hid_t group, const std::string& path) const;
};

void write_tree(hid_t group, const data_group& g);

// An attribute's value as data_attribute; refuses types the tree does not hold.
data_attribute read_attribute(hid_t obj, const std::string& name, const tree_reader& r,
                              const std::string& path);

}  // namespace esbio::io::h5
