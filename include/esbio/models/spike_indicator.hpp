#pragma once
// The spike indicator of a voltage, sigmoid((V - threshold) * gain): task A's loss and the
// networks' synaptic output T(V). Computed without overflow for the very large gains of task A.

#include <cmath>

namespace esbio::models {

inline double spike_indicator(double v, double threshold, double gain) {
  const double x = (v - threshold) * gain;
  if (x >= 0) return 1 / (1 + std::exp(-x));
  const double e = std::exp(x);
  return e / (1 + e);
}

}  // namespace esbio::models
