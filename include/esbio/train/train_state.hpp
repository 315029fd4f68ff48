#pragma once
// The plain data of a training run that outlives a process: one row of /history per generation
// and the state every rank needs to continue. The io layer writes and reads exactly this, so it
// sees neither tasks nor solvers nor the distribution layer.

#include <cstdint>
#include <vector>

#include "esbio/es/search.hpp"

namespace esbio::train {

// /history/block when no block was perturbed by ES (BP, the reservoir ablation), and when every
// parameter was perturbed together (es.block_coordinate = false).
inline constexpr std::int64_t no_block = es::no_block, all_blocks = es::all_blocks;

// One row of /history per generation.
struct history_row {
  std::int64_t generation = 0;
  double loss = 0;             // centre member's loss on the generation's batch
  double validation_loss = 0;  // centre's loss on the task's fixed validation set (NaN: skipped)
  double validation_accuracy = 0;  // and its accuracy (NaN: skipped, or a regression task)
  double accuracy = 0;             // centre member's accuracy (NaN for regression tasks)
  double sigma = 0;
  double grad_norm = 0;
  std::int64_t block = 0;  // index of the perturbed parameter block, or no_block / all_blocks
  std::int64_t failures = 0;
  std::int64_t evaluations = 0;
  std::int64_t solver_steps = 0;
  double wall_s = 0;
  std::int64_t bytes_communicated = 0;
};

struct train_state {
  std::vector<double> theta;
  es::optimizer_state optimizer;
  // The strategy's own state (es/search_state.hpp); empty for song and openai. Read back from a
  // checkpoint or the replica bytes it is the named vectors, which trainer::run adopts.
  es::search_state search;
  std::uint32_t generation = 0;  // the next generation to run
  std::vector<history_row> history;

  // The part every rank needs to continue (theta, optimiser, strategy state, generation), as
  // bytes.
  std::vector<char> replica_bytes() const;
  void load_replica_bytes(const std::vector<char>& bytes);
};

// Rank 0's view of the run's persistent state. save() writes a checkpoint (and may throw: a full
// disk); completed() is told the whole state after every generation, so that an urgent stop (a
// SIGTERM from the scheduler) can write the last completed generation at once instead of waiting
// for the one in flight.
}  // namespace esbio::train
