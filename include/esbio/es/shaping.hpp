#pragma once
// Fitness shaping of Salimans et al. 2017 ("Evolution Strategies as a Scalable Alternative to
// Reinforcement Learning"): losses are replaced by centred ranks u = rank/(n-1) - 1/2, so the
// update is invariant to monotone transforms of the loss and immune to outliers. Ties share the
// average of their ranks, which also makes failed members (+inf) tie as the worst.

#include <span>
#include <vector>

namespace esbio::es {

std::vector<double> centred_ranks(std::span<const double> losses);

}  // namespace esbio::es
