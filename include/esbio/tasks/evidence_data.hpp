#pragma once
// The data of task B (docs/science.md 2.2.1; Aitken & Mihalas's integration task as the paper's
// code ran it): each trial is 49 tokens from {evid0, evid1, evid2, null} followed by <eos>. The
// counts (c0, c1, c2) are uniform over the non-negative triples with c0 + c1 + c2 <= 49 whose
// maximum is unique (ties rejected); c_i copies of evid_i and 49 - sum c nulls are shuffled
// uniformly; the label is argmax c_i. Every word has a fixed random embedding in {0, 1/5}^50 drawn
// from the run seed. All draws are counter-based: trial t of a generation is the same on every
// rank.

#include <array>
#include <cstdint>
#include <vector>

namespace esbio::tasks {

inline constexpr int evidence_classes = 3;
inline constexpr int evidence_tokens = 50;     // 49 evidence/null tokens and <eos>
inline constexpr int evidence_embedding = 50;  // embedding dimension
enum word : std::uint8_t { evid0 = 0, evid1 = 1, evid2 = 2, null_word = 3, eos = 4 };
inline constexpr int vocabulary = 5;

struct evidence_trial {
  std::array<std::uint8_t, evidence_tokens> tokens;
  std::array<int, evidence_classes> counts;
  int label;
};

// Trials [first, first + n) of the batch stream of a generation.
std::vector<evidence_trial> evidence_batch(std::uint64_t seed, std::uint32_t generation,
                                           std::size_t n, std::uint32_t first = 0);

// vocabulary x embedding, row-major; distinct rows with entries 0 or 1/5.
std::vector<double> evidence_embeddings(std::uint64_t seed);

}  // namespace esbio::tasks
