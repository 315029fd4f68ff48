#pragma once
// Every random number in esbio is a pure function of
//   (run seed, stream, generation, member, index)
// through Philox-4x32-10, and the transforms to uniform and Gaussian variates are written here
// rather than taken from <random>, whose distributions differ between standard libraries.
// What holds: the Philox words and the uniform variates are exact integer and IEEE arithmetic,
// the same on every machine. The Gaussian transform (Box-Muller) calls libm's log, sqrt, cos and
// sin: the same bits on every rank of a job running one binary against one libm (esbio's
// bit-identity contract), but another libm may differ in the last bit of a variate.

#include <cstdint>
#include <span>

namespace esbio {

// Streams separate the purposes random numbers serve so that adding a new consumer never shifts
// the numbers an existing one sees.
enum class stream : std::uint32_t {
  init = 1,          // initial parameters
  perturbation = 2,  // ES noise eps_i
  batch = 3,         // data batches drawn per generation
  data = 4,          // fixed data sets (embeddings, a run's fixed initial states)
  trial_state = 5,   // per-evaluation initial states of network trials
  lowrank = 6,       // the factors A, B of low-rank ES noise (es.noise = lowrank)
  restart = 7,       // strategy restarts (IPOP-CMA-ES)
  noise_table = 8,   // the shared table of es.noise = table
};

class random_stream {
 public:
  random_stream(std::uint64_t seed, stream s, std::uint32_t generation, std::uint32_t member)
      : seed_(seed),
        stream_(static_cast<std::uint32_t>(s)),
        generation_(generation),
        member_(member) {}

  // Uniform in [0, 1) with 53 random bits; index i selects the i-th variate of this stream.
  double uniform(std::uint64_t i) const;
  // Standard normal variate number i (Box-Muller on Philox output; pairs share one block).
  double normal(std::uint64_t i) const;
  // Integer uniform in [0, n), n > 0.
  std::uint64_t below(std::uint64_t i, std::uint64_t n) const;

  // Bulk versions: out[k] = variate (first + k). Much faster than calling one at a time.
  void fill_normal(std::span<double> out, std::uint64_t first = 0) const;
  void fill_uniform(std::span<double> out, double lo, double hi, std::uint64_t first = 0) const;

 private:
  struct block {
    std::uint32_t w[4];
  };
  block raw(std::uint64_t block_index) const;

  std::uint64_t seed_;
  std::uint32_t stream_, generation_, member_;
};

}  // namespace esbio
