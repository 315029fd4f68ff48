#include "esbio/es/noise.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <stdexcept>

#include "esbio/core/error.hpp"
#include "esbio/core/random.hpp"

namespace esbio::es {

noise_table::noise_table(std::uint64_t seed, std::size_t size) : v_(size) {
  const random_stream rs(seed, stream::noise_table, 0, 0);
  std::vector<double> chunk(std::size_t{1} << 16);
  for (std::size_t at = 0; at < size; at += chunk.size()) {
    const std::size_t n = std::min(chunk.size(), size - at);
    rs.fill_normal(std::span(chunk).first(n), at);
    std::copy_n(chunk.begin(), n, v_.begin() + static_cast<std::ptrdiff_t>(at));
  }
}

std::shared_ptr<const noise_table> noise_table::shared(std::uint64_t seed, std::size_t size) {
  // Weak entries: a table lives as long as a strategy uses it, and is built again only when none
  // did in between (a test suite's many small tables do not accumulate).
  static std::mutex m;
  static std::map<std::pair<std::uint64_t, std::size_t>, std::weak_ptr<const noise_table>> cache;
  const std::lock_guard<std::mutex> lock(m);
  auto& slot = cache[{seed, size}];
  if (auto t = slot.lock()) return t;
  auto t = std::make_shared<const noise_table>(seed, size);
  slot = t;
  return t;
}

void bind_table(noise_spec& spec, std::uint64_t seed, std::size_t largest) {
  if (spec.kind != noise_kind::table || spec.table) return;
  if (spec.table_size < largest)
    throw input_error("es.table_size (" + std::to_string(spec.table_size) +
                      ") must be at least the parameter count (" + std::to_string(largest) + ")");
  spec.table = noise_table::shared(seed, spec.table_size);
}

void member_noise(std::uint64_t seed, std::uint32_t generation, std::uint32_t id,
                  std::span<const param_block> blocks, const noise_spec& spec,
                  std::span<double> out) {
  member_noise_slice(seed, generation, id, blocks, spec, 0, out);
}

void member_noise_slice(std::uint64_t seed, std::uint32_t generation, std::uint32_t id,
                        std::span<const param_block> blocks, const noise_spec& spec,
                        std::size_t first, std::span<double> out) {
  const random_stream full(seed, stream::perturbation, generation, id);
  if (spec.kind == noise_kind::table) {
    // One slice for the concatenated range, so a slice of it is the same slice of the table.
    if (!spec.table) throw std::logic_error("member_noise: es.noise = table without a table");
    std::size_t total = 0;
    for (const auto& blk : blocks) total += blk.size();
    const auto t = spec.table->values();
    if (total > t.size() || first + out.size() > total)
      throw std::logic_error("member_noise: the noise table is smaller than the noise");
    const std::size_t offset = full.below(0, t.size() - total + 1);
    const float* src = t.data() + offset + first;
    for (std::size_t k = 0; k < out.size(); ++k) out[k] = static_cast<double>(src[k]);
    return;
  }
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
