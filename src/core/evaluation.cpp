#include "esbio/core/evaluation.hpp"

namespace esbio {

const char* to_string(eval_status s) {
  switch (s) {
    case eval_status::ok:
      return "ok";
    case eval_status::solver_failure:
      return "solver_failure";
    case eval_status::work_budget:
      return "work_budget";
    case eval_status::non_finite:
      return "non_finite";
  }
  return "unknown";
}

}  // namespace esbio
