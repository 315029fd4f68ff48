#pragma once
// Everything that defines a training run. The cli fills it from the INI file and the command
// line; the run file records it as text, so a run is reproducible from its output alone.

#include <cstdint>
#include <string>

#include "esbio/es/optimizer.hpp"
#include "esbio/es/strategy.hpp"
#include "esbio/tasks/task.hpp"

namespace esbio::train {

// es: the population estimates the gradient; bp: the task's exact gradient (adjoint or BPTT)
// drives the same optimiser, the backpropagation baseline of SPEC section 4.
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
  tasks::task_config task;
  es::es_config es;
  es::optimizer_config optim;

  // The resolved configuration as sorted "key = value" lines, and its hash without the keys that
  // may change on --resume (see resumable_keys).
  std::string text;
};

// Keys a resumed run may change without breaking bit-identity with an uninterrupted run.
bool resumable_key(const std::string& key);
std::uint64_t config_hash(const std::string& text);

}  // namespace esbio::train
