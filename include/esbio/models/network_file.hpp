#pragma once
// The network file (docs/network-files.md) as data: a network_description to the tree an HDF5
// file holds, and back. The io layer reads and writes the file; this checks what it means.
// Reading refuses, with one input_error naming the file and the path, anything that would not
// make a network: a foreign format or a newer version, missing or misnamed groups, datasets and
// attributes, wrong shapes or ranks, integers where numbers of another kind belong, NaN or
// infinite values, a negative capacitance or conductance, a mask that is not 0/1, signs that
// are not +-1, weights on connections the mask leaves out, unknown models, constants or states.

#include <string>

#include "esbio/core/data_tree.hpp"
#include "esbio/models/network_description.hpp"

namespace esbio::models {

inline constexpr const char* network_format = "esbio-network";
inline constexpr int network_version = 1;

data_group network_tree(const network_description& d);
// file: named in every message.
network_description network_from_tree(const data_group& root, const std::string& file);

}  // namespace esbio::models
