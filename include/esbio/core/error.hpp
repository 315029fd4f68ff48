#pragma once
// Two kinds of failure leave esbio: bad input, which the user can fix (exit code 2, one line),
// and everything else (exit code 1). Solver failures inside an evaluation are neither: they are
// results with a status (see tasks/task.hpp).

#include <stdexcept>
#include <string>

namespace esbio {

struct input_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct consistency_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace esbio
