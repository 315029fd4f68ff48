// fill_normal side by side with the one-block-at-a-time loop it replaced (kept here as the
// reference), in one process: time per normal and whether the bits agree.
//   build/release/bench/esbio_bench_normals
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <vector>
#include "esbio/core/philox.hpp"
#include "esbio/core/random.hpp"
using namespace esbio;
namespace old {
double to_unit(std::uint32_t hi, std::uint32_t lo) {
  return static_cast<double>(((std::uint64_t{hi} << 32) | lo) >> 11) * (1.0 / 9007199254740992.0);
}
void bm(const std::uint32_t w[4], double& z0, double& z1) {
  const double u1 = to_unit(w[0], w[1]) + 1.0 / 9007199254740992.0, u2 = to_unit(w[2], w[3]);
  const double r = std::sqrt(-2.0 * std::log(u1)), a = 2.0 * std::numbers::pi * u2;
  z0 = r * std::cos(a);
  z1 = r * std::sin(a);
}
__attribute__((noinline)) void fill(std::span<double> out, std::uint64_t seed, std::uint32_t member,
                                    std::uint32_t gen, std::uint32_t st) {
  for (std::size_t k = 0, blk = 0; k + 1 < out.size(); ++blk, k += 2) {
    const philox_counter ctr{static_cast<std::uint32_t>(blk),
                             static_cast<std::uint32_t>(blk >> 32) ^ member, gen, st};
    const auto o =
        philox4x32(ctr, {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)});
    const std::uint32_t w[4] = {o[0], o[1], o[2], o[3]};
    bm(w, out[k], out[k + 1]);
  }
}
}  // namespace old
int main() {
  const std::size_t n = 16384;
  std::vector<double> a(n), b(n);
  random_stream rs(7, stream::perturbation, 3, 5);
  std::vector<double> to, tn;
  for (int rep = 0; rep < 7; ++rep) {
    auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < 200; ++r)
      old::fill(a, 7, 5, 3, static_cast<std::uint32_t>(stream::perturbation));
    auto t1 = std::chrono::steady_clock::now();
    for (int r = 0; r < 200; ++r) rs.fill_normal(b);
    auto t2 = std::chrono::steady_clock::now();
    to.push_back(std::chrono::duration<double>(t1 - t0).count() * 1e9 / (200.0 * n));
    tn.push_back(std::chrono::duration<double>(t2 - t1).count() * 1e9 / (200.0 * n));
  }
  std::sort(to.begin(), to.end());
  std::sort(tn.begin(), tn.end());
  std::printf(
      "one block at a time %.2f ns/normal, batched %.2f ns/normal (medians of 7), ratio %.3f, same "
      "bits %d\n",
      to[3], tn[3], tn[3] / to[3], a == b);
}
