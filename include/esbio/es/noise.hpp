#pragma once
// The Gaussian noise of one population member on a strategy's active parameters, regenerated
// from (seed, generation, noise id) wherever it is needed: the same bits on every rank.
//
//   full     i.i.d. N(0, 1) over the active parameters, in their order;
//   lowrank  for every matrix block (rows > 1 and cols > 1) E = A B^T / sqrt(r) with A (rows x
//            r) and B (cols x r) i.i.d. N(0, 1): each entry has mean 0 and variance 1, but a
//            member is described by (rows + cols) r numbers instead of rows cols (EGGROLL,
//            Sarkar et al. 2025, arXiv 2511.16652). Vectors get full noise.
//   table    a member's noise is a contiguous slice of one shared table of T i.i.d. N(0, 1)
//            variates (float32), starting at an offset drawn from (seed, generation, id): the
//            noise table of Salimans et al. 2017 (arXiv 1703.03864). Regenerating a member's
//            noise becomes a copy, so a generation no longer pays a normal per member and
//            parameter (twice: the perturbation and the update). Two members' slices may
//            overlap, shifted; a shifted slice is uncorrelated with the other (its entries are
//            other variates), and the same slice twice has probability n / T per pair.

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "esbio/core/params.hpp"

namespace esbio::es {

enum class noise_kind { full, lowrank, table };

// The table of es.noise = table: entry k is float(random_stream(seed, stream::noise_table, 0,
// 0).normal(k)), the same on every rank. 4 bytes an entry; built once per (seed, size) in a
// process and shared by every strategy that asks for it (shared()), since a run's strategies
// are rebuilt (resume, the CLI's checks) and the table is the same each time.
class noise_table {
 public:
  noise_table(std::uint64_t seed, std::size_t size);
  static std::shared_ptr<const noise_table> shared(std::uint64_t seed, std::size_t size);
  std::size_t size() const { return v_.size(); }
  std::span<const float> values() const { return v_; }

 private:
  std::vector<float> v_;
};

struct noise_spec {
  noise_kind kind = noise_kind::full;
  std::size_t rank = 1;
  // es.noise = table: the table's entries (at least the largest noise vector drawn from it), and
  // the table itself once a strategy has bound it (strategy's constructor does).
  std::size_t table_size = std::size_t{1} << 24;
  std::shared_ptr<const noise_table> table = nullptr;
};

// es.noise = table: give spec its table of (seed, spec.table_size), checking that it holds the
// largest noise vector a strategy draws (`largest`: every parameter); input_error otherwise.
void bind_table(noise_spec& spec, std::uint64_t seed, std::size_t largest);

// out (the total size of blocks) = the noise of id in generation g, block after block.
void member_noise(std::uint64_t seed, std::uint32_t generation, std::uint32_t id,
                  std::span<const param_block> blocks, const noise_spec& spec,
                  std::span<double> out);
// Entries [first, first + out.size()) of that noise, the same bits as the whole, generating only
// what the slice needs (Philox is counter-based; a low-rank entry needs its row and column of the
// factors): what a sliced update (dist.update = sliced) regenerates on each rank.
void member_noise_slice(std::uint64_t seed, std::uint32_t generation, std::uint32_t id,
                        std::span<const param_block> blocks, const noise_spec& spec,
                        std::size_t first, std::span<double> out);

}  // namespace esbio::es
