// The machine's double-precision limit on one core: independent multiply-add chains per
// instruction set (more than latency x issue width on current x86 cores, so the chains never
// wait on each other, and few enough to stay in registers: 12 of the 16 xmm/ymm, 24 of the 32
// zmm), a pure register workload. SSE2 has no fused multiply-add, so its chains
// issue a multiply and an add (2 flops in 2 instructions); AVX2 and AVX-512 use FMA (2 flops in
// one). Reports the best of several runs in GFLOP/s.
//
//   build/release/bench/esbio_bench_flops
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <functional>

namespace {

constexpr long iterations = 20'000'000;

double sse2(double a, double b) {
  constexpr int chains = 12;
  __m128d acc[chains];
  const __m128d va = _mm_set1_pd(a), vb = _mm_set1_pd(b);
  for (int k = 0; k < chains; ++k) acc[k] = _mm_set1_pd(k);
  for (long it = 0; it < iterations; ++it)
#pragma GCC unroll 32
    for (int k = 0; k < chains; ++k) acc[k] = _mm_add_pd(_mm_mul_pd(acc[k], va), vb);
  __m128d s = acc[0];
  for (int k = 1; k < chains; ++k) s = _mm_add_pd(s, acc[k]);
  return _mm_cvtsd_f64(s);
}

__attribute__((target("avx2,fma"))) double avx2(double a, double b) {
  constexpr int chains = 12;
  __m256d acc[chains];
  const __m256d va = _mm256_set1_pd(a), vb = _mm256_set1_pd(b);
  for (int k = 0; k < chains; ++k) acc[k] = _mm256_set1_pd(k);
  for (long it = 0; it < iterations; ++it)
#pragma GCC unroll 32
    for (int k = 0; k < chains; ++k) acc[k] = _mm256_fmadd_pd(acc[k], va, vb);
  __m256d s = acc[0];
  for (int k = 1; k < chains; ++k) s = _mm256_add_pd(s, acc[k]);
  return _mm256_cvtsd_f64(s);  // one lane is enough to keep the work alive
}

__attribute__((target("avx512f"))) double avx512(double a, double b) {
  constexpr int chains = 24;
  __m512d acc[chains];
  const __m512d va = _mm512_set1_pd(a), vb = _mm512_set1_pd(b);
  for (int k = 0; k < chains; ++k) acc[k] = _mm512_set1_pd(k);
  for (long it = 0; it < iterations; ++it)
#pragma GCC unroll 32
    for (int k = 0; k < chains; ++k) acc[k] = _mm512_fmadd_pd(acc[k], va, vb);
  __m512d s = acc[0];
  for (int k = 1; k < chains; ++k) s = _mm512_add_pd(s, acc[k]);
  alignas(64) double lanes[8];
  _mm512_store_pd(lanes, s);
  return lanes[0];
}

// Thread CPU time: other processes on a shared machine do not count against the loop.
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

void run(const char* name, int width, int chains, const std::function<double(double, double)>& f) {
  double best = 1e30, sink = 0;
  for (int r = 0; r < 5; ++r) {
    const double t0 = cpu_seconds();
    sink += f(1 - 1e-9, 1e-9);  // acc -> acc (1 - 1e-9) + 1e-9 stays near its start, no overflow
    best = std::min(best, cpu_seconds() - t0);
  }
  const double flops = 2.0 * width * chains * static_cast<double>(iterations);
  std::printf("%-8s %5.1f GFLOP/s per core (checksum %g)\n", name, flops / best * 1e-9, sink);
}

}  // namespace

int main() {
  __builtin_cpu_init();
  run("sse2", 2, 12, sse2);
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) run("avx2+fma", 4, 12, avx2);
  if (__builtin_cpu_supports("avx512f")) run("avx512", 8, 24, avx512);
  return 0;
}
