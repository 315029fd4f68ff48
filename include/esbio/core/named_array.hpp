#pragma once
// A named N-dimensional array of doubles (row-major): what tasks hand to the run-file layer
// when they are asked for traces, without either side knowing the other.

#include <cstddef>
#include <string>
#include <vector>

namespace esbio {

struct named_array {
  std::string name;
  std::vector<std::size_t> dims;
  std::vector<double> data;  // product of dims entries, row-major
};

}  // namespace esbio
