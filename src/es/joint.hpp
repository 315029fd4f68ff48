#pragma once
// Private to the es layer: what the strategies that move their parameters together (snes, pgpe,
// sep_cmaes, cmaes, guided) share: the trained blocks as one vector x of n entries, ranks of
// losses with failures last, and the mean's (theta's) gather and scatter.

#include <cstdint>
#include <utility>
#include <vector>

#include "esbio/es/search.hpp"

namespace esbio::es::detail {

class joint_blocks {
 protected:
  joint_blocks(es_config cfg, param_layout layout);

  // x (n entries) from theta's trained blocks, and back.
  void gather(std::span<const double> theta, std::span<double> x) const;
  void scatter(std::span<const double> x, std::span<double> theta) const;
  // Member `id`'s standard normal noise on the trained blocks (n entries).
  void noise(std::uint32_t generation, std::uint32_t id, std::span<double> z) const;
  // Indices 1..count of evals (the samples) ordered by loss, failures last, ties by index.
  std::vector<std::size_t> ranked(std::span<const evaluation> evals) const;
  // The samples' losses with failures replaced by failure_loss (raw-loss estimators).
  std::vector<double> raw_losses(std::span<const evaluation> evals, std::size_t& failures) const;
  std::size_t count_failures(std::span<const evaluation> evals) const;
  // A gradient over x stepped by the optimiser on the trained blocks.
  void optimiser_step(std::span<double> theta, optimizer& opt, std::span<const double> g) const;
  // A strategy whose update does not slice is asked for its whole estimate of `size` entries.
  static void whole_only(std::size_t lo, std::size_t hi, std::size_t size);
  // A full-length vector with x's values at the trained blocks and zeros elsewhere.
  std::vector<double> embed(std::span<const double> x, std::size_t total) const;

  es_config cfg_;
  param_layout layout_;
  std::vector<param_block> blocks_;
  std::vector<optimizer::segment> segments_;
  std::size_t n_ = 0;
};

// A search of either shape (search.hpp) over the trained blocks moved together.
template <class Shape>
class joint_search : public Shape, protected joint_blocks {
 public:
  joint_search(es_config cfg, param_layout layout)
      : joint_blocks(std::move(cfg), std::move(layout)) {}
  std::size_t range_count() const override { return layout_.blocks().size(); }
};

double mean_of(const std::vector<double>& v);

// The state of snes and pgpe: a per-parameter sigma.
struct sigma_state {
  std::vector<double> sigma;
  static const std::vector<state_field<sigma_state>>& fields() {
    static const std::vector<state_field<sigma_state>> f{{"sigma", &sigma_state::sigma}};
    return f;
  }
};

// Member m > 0 of a mirrored population (pgpe, guided): pair (m + 1) / 2, counted from 1, taken
// with + for odd m and - for even m.
struct mirrored_member {
  std::uint32_t pair;
  double sign;
};
inline mirrored_member mirrored(std::size_t m) {
  return {static_cast<std::uint32_t>((m - 1) / 2 + 1), m % 2 == 1 ? 1.0 : -1.0};
}

}  // namespace esbio::es::detail
