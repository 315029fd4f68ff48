#include "esbio/train/generation_plan.hpp"

#include <stdexcept>

namespace esbio::train {

generation_plan::generation_plan(std::uint32_t generation, std::size_t members, std::size_t parts,
                                 std::size_t validation_parts)
    : generation_(generation),
      members_(members),
      parts_(parts),
      validation_parts_(validation_parts) {
  if (parts_ == 0) throw std::logic_error("generation_plan: a batch has at least one part");
}

tasks::work_item generation_plan::item(std::size_t i) const {
  if (is_member(i))
    return {generation_, static_cast<std::uint32_t>(i / parts_), i % parts_, parts_};
  return {tasks::validation_generation, 0, i - members_ * parts_, validation_parts_};
}

generation_plan::combined generation_plan::combine(std::span<const evaluation> results) const {
  if (results.size() != size()) throw std::logic_error("generation_plan: results do not fit");
  combined c;
  c.members.reserve(members_);
  for (std::size_t m = 0; m < members_; ++m)
    c.members.push_back(parts_ == 1 ? results[m] : sum_parts(results.subspan(m * parts_, parts_)));
  if (validation_parts_ > 0) c.validation = sum_parts(results.subspan(members_ * parts_));
  return c;
}

evaluation generation_plan::sum_parts(std::span<const evaluation> parts) {
  evaluation all = parts[0];
  for (std::size_t k = 1; k < parts.size(); ++k) {
    const auto& e = parts[k];
    all.loss += e.loss;
    all.steps += e.steps;
    all.rhs_evals += e.rhs_evals;
    all.lin_iters += e.lin_iters;
    all.lin_setups += e.lin_setups;
    all.error_test_fails += e.error_test_fails;
    all.nonlinear_fails += e.nonlinear_fails;
    all.seconds += e.seconds;
    all.accuracy += e.accuracy;  // NaN stays NaN: a regression loss has none
    if (all.ok() && !e.ok()) {
      all.status = e.status;
      all.detail = e.detail;
    }
  }
  return all;
}

}  // namespace esbio::train
