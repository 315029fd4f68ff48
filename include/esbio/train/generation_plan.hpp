#pragma once
// How a generation's work is cut into items and put back together. An ES generation is
// members x K items (item i: part i mod K of member i / K; dist.items_per_member = K), then, in
// a validating generation, V items of the centre on the validation batch. Items are handed out by
// index (dist::context::evaluate) and their results come back placed by index, so the plan maps
// an index to its work_item and combines the results in index order, whoever computed them: the
// same bits at any rank count.

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "esbio/core/evaluation.hpp"
#include "esbio/tasks/task.hpp"

namespace esbio::train {

class generation_plan {
 public:
  generation_plan(std::uint32_t generation, std::size_t members, std::size_t parts,
                  std::size_t validation_parts);

  std::size_t size() const { return members_ * parts_ + validation_parts_; }
  bool is_member(std::size_t i) const { return i < members_ * parts_; }
  std::size_t member_of(std::size_t i) const { return i / parts_; }
  tasks::work_item item(std::size_t i) const;

  struct combined {
    std::vector<evaluation> members;       // one per member, its parts summed
    std::optional<evaluation> validation;  // in validating generations
  };
  combined combine(std::span<const evaluation> results) const;

  // The parts of one batch as one evaluation: losses, accuracies (each part's share; NaN for a
  // regression) and costs summed in part order, the first failure kept.
  static evaluation sum_parts(std::span<const evaluation> parts);

 private:
  std::uint32_t generation_;
  std::size_t members_, parts_, validation_parts_;
};

}  // namespace esbio::train
