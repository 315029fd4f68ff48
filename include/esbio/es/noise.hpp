#pragma once
// The Gaussian noise of one population member on a strategy's active parameters, regenerated
// from (seed, generation, noise id) wherever it is needed: the same bits on every rank.
//
//   full     i.i.d. N(0, 1) over the active parameters, in their order;
//   lowrank  for every matrix block (rows > 1 and cols > 1) E = A B^T / sqrt(r) with A (rows x
//            r) and B (cols x r) i.i.d. N(0, 1): each entry has mean 0 and variance 1, but a
//            member is described by (rows + cols) r numbers instead of rows cols (EGGROLL,
//            Sarkar et al. 2025, arXiv 2511.16652). Vectors get full noise.

#include <cstdint>
#include <span>
#include <vector>

#include "esbio/core/params.hpp"

namespace esbio::es {

enum class noise_kind { full, lowrank };

struct noise_spec {
  noise_kind kind = noise_kind::full;
  std::size_t rank = 1;
};

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
