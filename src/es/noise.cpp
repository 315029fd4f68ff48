#include "esbio/es/noise.hpp"

#include <algorithm>
#include <cmath>

#include "esbio/core/random.hpp"

namespace esbio::es {

void member_noise(std::uint64_t seed, std::uint32_t generation, std::uint32_t id,
                  std::span<const param_block> blocks, const noise_spec& spec,
                  std::span<double> out) {
  member_noise_slice(seed, generation, id, blocks, spec, 0, out);
}

void member_noise_slice(std::uint64_t seed, std::uint32_t generation, std::uint32_t id,
                        std::span<const param_block> blocks, const noise_spec& spec,
                        std::size_t first, std::span<double> out) {
  const random_stream full(seed, stream::perturbation, generation, id);
  // Full noise continues one stream across the blocks, so that it is exactly the noise of the
  // concatenated range (what song and openai have always drawn).
  const std::size_t last = first + out.size();
  std::size_t at = 0;  // where the block starts in the concatenated range
  std::uint64_t full_index = 0, factor_index = 0;
  std::vector<double> a, b;
  for (const auto& blk : blocks) {
    const std::size_t lo = std::max(first, at), hi = std::min(last, at + blk.size());
    const bool full_block = spec.kind == noise_kind::full || blk.rows == 1 || blk.cols == 1;
    if (lo < hi) {
      auto dst = out.subspan(lo - first, hi - lo);
      if (full_block) {
        full.fill_normal(dst, full_index + (lo - at));
      } else {
        const std::size_t r = spec.rank, cols = blk.cols;
        const random_stream factors(seed, stream::lowrank, generation, id);
        a.resize(blk.rows * r);
        b.resize(cols * r);
        factors.fill_normal(a, factor_index);
        factors.fill_normal(b, factor_index + a.size());
        const double scale = 1 / std::sqrt(static_cast<double>(r));
        for (std::size_t q = lo - at; q < hi - at; ++q) {
          const std::size_t i = q / cols, j = q % cols;
          double e = 0;
          for (std::size_t k = 0; k < r; ++k) e += a[i * r + k] * b[j * r + k];
          dst[q - (lo - at)] = e * scale;
        }
      }
    }
    if (full_block)
      full_index += blk.size();
    else
      factor_index += (blk.rows + blk.cols) * spec.rank;
    at += blk.size();
  }
}

}  // namespace esbio::es
