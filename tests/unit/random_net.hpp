#pragma once
// A random network of the paper's task B distribution for the model tests: W_rec ~ U(0.001 +-
// 1/sqrt N), V0 = -20 + N(0, 5^2), w0 = 0.014173, and a drive per token ~ U(-0.2, 0.6), all from
// the run seed's streams.

#include <cmath>
#include <cstdint>
#include <vector>

#include "esbio/core/random.hpp"

namespace esbio::testing {

struct random_net {
  std::size_t n;
  std::vector<double> w_rec, y0;
  std::vector<std::vector<double>> drives;  // per token
  random_net(std::size_t neurons, std::size_t tokens, std::uint64_t seed) : n(neurons) {
    const double b = 1 / std::sqrt(double(n));
    w_rec.resize(n * n);
    random_stream(seed, stream::init, 0, 0).fill_uniform(w_rec, 0.001 - b, 0.001 + b);
    const random_stream rs(seed, stream::data, 0, 0);
    y0.resize(2 * n);
    for (std::size_t i = 0; i < n; ++i) {
      y0[i] = -20 + 5 * rs.normal(i);
      y0[n + i] = 0.014173;
    }
    for (std::size_t k = 0; k < tokens; ++k) {
      std::vector<double> d(n);
      random_stream(seed, stream::data, 1, static_cast<std::uint32_t>(k))
          .fill_uniform(d, -0.2, 0.6);
      drives.push_back(d);
    }
  }
};

}  // namespace esbio::testing
