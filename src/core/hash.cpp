#include "esbio/core/hash.hpp"

#include <bit>
#include <cstring>

namespace esbio {

namespace {
constexpr std::uint64_t prime = 0x100000001b3ull;
std::uint64_t mix(const unsigned char* p, std::size_t n, std::uint64_t h) {
  for (std::size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= prime;
  }
  return h;
}
}  // namespace

std::uint64_t fnv1a(std::span<const double> values, std::uint64_t h) {
  for (double v : values) {
    const auto bits = std::bit_cast<std::uint64_t>(v);
    unsigned char b[8];
    for (int k = 0; k < 8; ++k) b[k] = static_cast<unsigned char>(bits >> (8 * k));
    h = mix(b, 8, h);
  }
  return h;
}

std::uint64_t fnv1a(std::string_view text, std::uint64_t h) {
  return mix(reinterpret_cast<const unsigned char*>(text.data()), text.size(), h);
}

}  // namespace esbio
