#pragma once
// Fitness shaping of Salimans et al. 2017 ("Evolution Strategies as a Scalable Alternative to
// Reinforcement Learning"): losses are replaced by centred ranks u = rank/(n-1) - 1/2, so the
// update is invariant to monotone transforms of the loss and immune to outliers. Ties share the
// average of their ranks, which also makes failed members (+inf) tie as the worst.

#include <optional>
#include <span>
#include <vector>

namespace esbio::es {

std::vector<double> centred_ranks(std::span<const double> losses);

// The loss a raw-loss estimator gives a failed member: always strictly above every success, so a
// failure never looks better than anything that was evaluated. With successes spanning
// [best, worst] it is `configured` if that is above worst, else worst + (worst - best), or
// worst + |worst| (1 if worst is 0) when every success scored the same. With no success at all it
// is `configured` (NaN when unset: nothing to estimate from).
double failure_loss(std::optional<double> configured, bool any_ok, double worst, double best);

}  // namespace esbio::es
