#pragma once
// Everything that defines a training run. The cli fills it from the INI file and the command
// line; the run file records it as text, so a run is reproducible from its output alone.

#include <cstdint>
#include <string>

#include "esbio/core/settings.hpp"
#include "esbio/dist/context.hpp"
#include "esbio/es/optimizer.hpp"
#include "esbio/es/es_config.hpp"

namespace esbio::train {

// es: the population estimates the gradient; bp: the task's exact gradient (adjoint or BPTT)
// drives the same optimiser, the backpropagation baseline of docs/science.md 4.
enum class training_method { es, bp };

struct run_config {
  std::uint64_t seed = 0;
  training_method method = training_method::es;
  std::uint32_t generations = 100;
  std::uint32_t checkpoint_every = 10;  // generations between checkpoints (0: only at the end)
  std::uint32_t hash_every = 10;        // generations between theta-hash comparisons
  // Stop (outcome::failed) after this many consecutive generations in which every evaluation
  // failed; 0: never. Such a run only burns its allocation.
  std::uint32_t max_failed_generations = 10;
  // The centre on the task's fixed validation set every this many generations (and in the last):
  // with task B's 500 validation trials a tenth of a paper-size generation each time.
  std::uint32_t validate_every = 1;
  // dist.items_per_member: ES work items per member, each a part of its batch (at most the task's
  // evaluator::evaluation_parts()); the member's loss is the parts' sum in part order.
  std::uint32_t items_per_member = 1;
  // dist.gradient_parts: BP's centre gradient in this many parts spread over the ranks (0: the
  // task's evaluator::gradient_parts()); in the configuration hash, since it changes the sums.
  std::uint32_t gradient_parts = 0;
  dist::schedule schedule;
  // dist.update = sliced: song's and openai's update computed a slice of the coordinates per rank
  // and gathered (the same bits; bytes O(active block) a generation) instead of on every rank.
  bool sliced_update = false;   // dist.rank0, dist.queue_depth: who computes, never what
  std::string task = "spiral";  // task.name: the registry builds it from `values`
  es::es_config es;
  es::optimizer_config optim;

  // The resolved configuration: every key that applies to this run (the general options and the
  // task's own), canonically spelled, and as sorted "key = value" lines, the text the run file
  // stores; its hash leaves out the keys that may change on --resume (see resumable_key).
  settings values;
  std::string text;
};

// Keys a resumed run may change without breaking bit-identity with an uninterrupted run.
bool resumable_key(const std::string& key);
std::uint64_t config_hash(const std::string& text);

}  // namespace esbio::train
