#pragma once
// Philox-4x32-10, the counter-based generator of Salmon, Moraes, Dror & Shaw, "Parallel random
// numbers: as easy as 1, 2, 3" (SC'11). A pure function of (counter, key): any rank can regenerate
// any random number without shared state, which is what lets only seeds cross the network.
// Checked against the Random123 known-answer vectors in tests/unit/test_random.cpp.

#include <array>
#include <cstddef>
#include <cstdint>

namespace esbio {

using philox_counter = std::array<std::uint32_t, 4>;
using philox_key = std::array<std::uint32_t, 2>;

constexpr philox_counter philox4x32(philox_counter ctr, philox_key key, int rounds = 10) {
  constexpr std::uint32_t m0 = 0xD2511F53u, m1 = 0xCD9E8D57u;
  constexpr std::uint32_t w0 = 0x9E3779B9u, w1 = 0xBB67AE85u;
  for (int r = 0; r < rounds; ++r) {
    if (r > 0) {
      key[0] += w0;
      key[1] += w1;
    }
    const std::uint64_t p0 = std::uint64_t{m0} * ctr[0];
    const std::uint64_t p1 = std::uint64_t{m1} * ctr[2];
    ctr = {static_cast<std::uint32_t>(p1 >> 32) ^ ctr[1] ^ key[0], static_cast<std::uint32_t>(p1),
           static_cast<std::uint32_t>(p0 >> 32) ^ ctr[3] ^ key[1], static_cast<std::uint32_t>(p0)};
  }
  return ctr;
}

// philox4x32 of n counters at once, in place, one array per counter word: the same rounds as
// above in a loop over the counters, which vectorises (32 x 32 -> 64-bit multiplies are exact, so
// every lane gives philox4x32's bits).
inline void philox4x32_batch(std::size_t n, std::uint32_t* c0, std::uint32_t* c1, std::uint32_t* c2,
                             std::uint32_t* c3, std::uint32_t key0, std::uint32_t key1,
                             int rounds = 10) {
  constexpr std::uint32_t m0 = 0xD2511F53u, m1 = 0xCD9E8D57u;
  constexpr std::uint32_t w0 = 0x9E3779B9u, w1 = 0xBB67AE85u;
  for (int r = 0; r < rounds; ++r) {
    const std::uint32_t ka = key0 + static_cast<std::uint32_t>(r) * w0,
                        kb = key1 + static_cast<std::uint32_t>(r) * w1;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t p0 = std::uint64_t{m0} * c0[i];
      const std::uint64_t p1 = std::uint64_t{m1} * c2[i];
      const std::uint32_t n0 = static_cast<std::uint32_t>(p1 >> 32) ^ c1[i] ^ ka;
      const std::uint32_t n2 = static_cast<std::uint32_t>(p0 >> 32) ^ c3[i] ^ kb;
      c1[i] = static_cast<std::uint32_t>(p1);
      c3[i] = static_cast<std::uint32_t>(p0);
      c0[i] = n0;
      c2[i] = n2;
    }
  }
}

}  // namespace esbio
