#pragma once
// Everything that defines a training run, resolved once from the settings (the INI file and the
// command line, merged by the cli) into this value, which the trainer, the run file and --resume
// use. The run file records its canonical text, so a run is reproducible from its output alone.

#include <cstdint>
#include <string>

#include "esbio/core/schema.hpp"
#include "esbio/dist/context.hpp"
#include "esbio/es/es_config.hpp"
#include "esbio/es/optimizer.hpp"

namespace esbio::train {

// es: the population estimates the gradient; bp: the task's exact gradient (adjoint or BPTT)
// drives the same optimiser, the backpropagation baseline of docs/science.md 4.
enum class training_method { es, bp };

// The defaults are the command line's (run_config_schema()).
struct run_config {
  std::uint64_t seed = 0;
  training_method method = training_method::es;
  std::uint32_t generations = 300;
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

// The general keys (run.*, dist.*, method, task.name, es.*, optim.*, checkpoint.*); each task
// adds its own (tasks/registry.hpp).
const schema<run_config>& run_config_schema();
// The run configuration from settings holding the general keys and the task's (a key they lack at
// its default), checked, with `values` and `text` its canonical form. input_error names a bad
// setting.
run_config read_run_config(const settings& s);
// `values` and `text` again from the fields, after a field was resolved on the value
// (dist.items_per_member = auto); the task's keys are kept.
void update_text(run_config& c);

// Keys a resumed run may change without breaking bit-identity with an uninterrupted run.
bool resumable_key(const std::string& key);
std::uint64_t config_hash(const std::string& text);

}  // namespace esbio::train
