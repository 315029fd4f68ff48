#pragma once
// A small file as plain data: groups holding attributes, arrays and groups, the shape of an HDF5
// file. It is what the models and tasks hand the io layer to write (a network, a dataset) and
// what io reads back for them, so that neither side knows the other: io checks HDF5's side
// (a readable file, types it can convert), the reader of the tree checks the meaning (names,
// shapes, values), and either names the path of what is wrong.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace esbio {

// How an array is, or is to be, stored: the reader of a user's file may insist on integers.
enum class element_type { float64, float32, integer };

struct data_array {
  std::vector<std::size_t> dims;  // row-major; {} for a scalar
  std::vector<double> values;     // integers exactly (|x| < 2^53)
  element_type type = element_type::float64;
  std::size_t size() const {
    std::size_t n = 1;
    for (const auto d : dims) n *= d;
    return n;
  }
};

// An attribute: a number, a string, or a 1-D list of either.
using data_attribute =
    std::variant<double, std::string, std::vector<double>, std::vector<std::string>>;

struct data_group {
  std::map<std::string, data_attribute> attrs;
  std::map<std::string, data_array> arrays;
  std::map<std::string, data_group> groups;
};

}  // namespace esbio
