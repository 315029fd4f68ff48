#include "esbio/es/noise.hpp"

#include <cmath>

#include "esbio/core/random.hpp"

namespace esbio::es {

void member_noise(std::uint64_t seed, std::uint32_t generation, std::uint32_t id,
                  std::span<const param_block> blocks, const noise_spec& spec,
                  std::span<double> out) {
  const random_stream full(seed, stream::perturbation, generation, id);
  // Full noise continues one stream across the blocks, so that it is exactly the noise of the
  // concatenated range (what song and openai have always drawn).
  std::size_t at = 0;
  std::uint64_t full_index = 0, factor_index = 0;
  std::vector<double> a, b;
  for (const auto& blk : blocks) {
    auto dst = out.subspan(at, blk.size());
    at += blk.size();
    if (spec.kind == noise_kind::full || blk.rows == 1 || blk.cols == 1) {
      full.fill_normal(dst, full_index);
      full_index += blk.size();
      continue;
    }
    const std::size_t r = spec.rank, rows = blk.rows, cols = blk.cols;
    const random_stream factors(seed, stream::lowrank, generation, id);
    a.resize(rows * r);
    b.resize(cols * r);
    factors.fill_normal(a, factor_index);
    factors.fill_normal(b, factor_index + a.size());
    factor_index += a.size() + b.size();
    const double scale = 1 / std::sqrt(static_cast<double>(r));
    for (std::size_t i = 0; i < rows; ++i)
      for (std::size_t j = 0; j < cols; ++j) {
        double e = 0;
        for (std::size_t k = 0; k < r; ++k) e += a[i * r + k] * b[j * r + k];
        dst[i * cols + j] = e * scale;
      }
  }
}

}  // namespace esbio::es
