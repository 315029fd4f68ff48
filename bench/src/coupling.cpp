// The rate of task B's coupling product z += T W_rec (trials x N times N x N, the fixed-step
// scheme's one matrix product per step) in float64 and float32, through the models layer's kernel
// (network::coupling_product) and, when the build found it, single-threaded OpenBLAS
// dgemm/sgemm on the same data. Thread CPU time, the best of --reps runs of `steps` products:
//
//   esbio_bench_coupling [neurons=128] [trials=50] [steps=2000] [reps=7]
//
// Compare with esbio_bench_flops (the per-core limit of each instruction set).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <vector>

#include "esbio/core/random.hpp"
#include "esbio/models/network.hpp"

#ifdef ESBIO_BENCH_OPENBLAS
#include <cblas.h>
extern "C" void openblas_set_num_threads(int);
extern "C" char* openblas_get_corename();
#endif

using namespace esbio;

namespace {

double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

template <class F>
double best_of(int reps, F&& f) {
  double best = std::numeric_limits<double>::infinity();
  for (int r = 0; r < reps; ++r) {
    const double c0 = cpu_now();
    f();
    best = std::min(best, cpu_now() - c0);
  }
  return best;
}

template <class real>
std::vector<real> converted(const std::vector<double>& x) {
  std::vector<real> out(x.size());
  for (std::size_t k = 0; k < x.size(); ++k) out[k] = static_cast<real>(x[k]);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const auto arg = [&](int k, long fallback) { return argc > k ? std::atol(argv[k]) : fallback; };
  const auto n = static_cast<std::size_t>(arg(1, 128)),
             trials = static_cast<std::size_t>(arg(2, 50));
  const long steps = arg(3, 2000);
  const int reps = static_cast<int>(arg(4, 7));
  std::vector<double> w(n * n), t(trials * n);
  random_stream(1, stream::init, 0, 0).fill_uniform(w, -0.1, 0.1);
  random_stream(1, stream::init, 0, 1).fill_uniform(t, 0, 1);
  models::network_description d;
  models::population neurons;
  neurons.name = "neurons";
  neurons.count = n;
  d.populations.push_back(neurons);
  d.w_rec = w;
  const auto net = models::make_network(d);
  net->bind_recurrent(w);
  const double flops = 2.0 * static_cast<double>(trials * n * n) * static_cast<double>(steps);
  const auto report = [&](const char* what, double s) {
    std::printf("%-28s %8.4f s CPU  %7.1f GFLOP/s\n", what, s, flops / s * 1e-9);
  };
  std::printf("N = %zu, %zu trials, %ld products, best of %d\n", n, trials, steps, reps);
  const auto tf = converted<float>(t);
  std::vector<double> zd(trials * n, 0.0);
  std::vector<float> zf(trials * n, 0.0f);
  report("esbio kernel float64", best_of(reps, [&] {
           for (long s = 0; s < steps; ++s) net->coupling_product(trials, t.data(), zd.data());
         }));
  report("esbio kernel float32", best_of(reps, [&] {
           for (long s = 0; s < steps; ++s) net->coupling_product(trials, tf.data(), zf.data());
         }));
#ifdef ESBIO_BENCH_OPENBLAS
  openblas_set_num_threads(1);
  std::printf("OpenBLAS kernel set: %s (one thread)\n", openblas_get_corename());
  const auto wf = converted<float>(w);
  const int ni = static_cast<int>(n), bi = static_cast<int>(trials);
  report("OpenBLAS dgemm", best_of(reps, [&] {
           for (long s = 0; s < steps; ++s)
             cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, bi, ni, ni, 1.0, t.data(), ni,
                         w.data(), ni, 1.0, zd.data(), ni);
         }));
  report("OpenBLAS sgemm", best_of(reps, [&] {
           for (long s = 0; s < steps; ++s)
             cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, bi, ni, ni, 1.0f, tf.data(), ni,
                         wf.data(), ni, 1.0f, zf.data(), ni);
         }));
#endif
  // Keep the results alive.
  double check = 0;
  for (std::size_t k = 0; k < zd.size(); ++k) check += zd[k] + static_cast<double>(zf[k]);
  std::printf("(checksum %.6g)\n", check);
  return std::isfinite(check) ? 0 : 1;
}
