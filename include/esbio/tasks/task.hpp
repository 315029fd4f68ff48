#pragma once
// A task maps a parameter vector and a generation to one scalar loss, using forward solves only:
// data generation + model + loss. It comes in two parts (Arbor's description and execution state
// apart):
//   task       the immutable description: its configuration, parameter layout, initial
//              parameters and fixed data (a true trajectory, embeddings). Built once, shared,
//              and what the run file records.
//   evaluator  the per-rank working state a description makes: integrators, models bound to a
//              theta, caches and scratch. Each rank (or thread) has its own.
// Evaluations are pure functions of the configuration, the run seed, theta, the generation and
// the member, which is what makes results independent of which rank evaluated what.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "esbio/core/data_tree.hpp"
#include "esbio/core/evaluation.hpp"
#include "esbio/core/named_array.hpp"
#include "esbio/core/params.hpp"

namespace esbio::ode {
struct solve_result;
}
namespace esbio::models {
struct network_description;
}

namespace esbio::tasks {

// The generation number that asks a task for its fixed validation batch: the same data in every
// generation, so the logged validation loss is a smooth learning curve. Training generations never
// reach it (es.generations is at most this minus one).
inline constexpr std::uint32_t validation_generation = 0xFFFFFFFFu;

// The most parameters a task may have: the trainer keeps about six vectors of this length per
// rank (theta, a member, optimiser moments, gradients), 0.8 GB at the limit.
inline constexpr std::size_t max_parameters = std::size_t{1} << 24;

class evaluator;

// One piece of work: part `part` of `parts` of member `member`'s batch in generation
// `generation` (validation_generation: the fixed validation batch; member 0 is the centre).
// Parts are contiguous chunks of the batch (task B: trials, task C: windows), each scored with
// the whole batch's normaliser, so the parts' losses (and accuracies) sum to the whole's and their
// gradients to its gradient. The train layer decides how a generation is cut into items
// (train/generation_plan.hpp); a task only says how finely its batch can be cut.
struct work_item {
  std::uint32_t generation = 0;
  std::uint32_t member = 0;
  std::size_t part = 0, parts = 1;
};

class task {
 public:
  virtual ~task() = default;
  virtual std::string name() const = 0;
  virtual const param_layout& layout() const = 0;
  virtual std::vector<double> initial_params() const = 0;
  virtual bool classification() const { return false; }
  // Blocks whose exact gradient the task can compute cheaply (a linear readout): the paper's
  // hybrid protocol trains them by gradient and the rest by ES (evaluator::exact_gradient).
  virtual std::vector<std::string> exact_blocks() const { return {}; }
  // Whether evaluator::gradient exists in this configuration (method = bp), and if not, why, in
  // the words the refusal prints.
  virtual bool has_gradient() const { return false; }
  virtual std::string no_gradient_reason() const {
    return "task " + name() + " has no backpropagation gradient in this configuration";
  }
  // The most parts a generation's batch can be cut into (1: it does not split).
  virtual std::size_t batch_parts() const { return 1; }
  // How many parts the validation batch is cut into when a member's batch is in `parts`: parts
  // of about a member part's size, because one long item handed out last is the generation's
  // tail (task B's 500 validation trials are ten members' work).
  virtual std::size_t validation_parts(std::size_t parts) const { return parts; }
  // dist.gradient_parts = auto: the parts BP's centre gradient is cut into (1: computed whole
  // on every rank).
  virtual std::size_t gradient_parts() const { return 1; }
  // A fresh evaluator; the description must outlive it.
  virtual std::unique_ptr<evaluator> make_evaluator() const = 0;

  // Tasks of a network (task B, task network): its description, which the run file embeds, and
  // the network a theta makes of it (its trained weights), which esbio export writes.
  virtual const models::network_description* network() const { return nullptr; }
  virtual models::network_description network_at(std::span<const double> theta) const;
  // Tasks that draw their own trials (task B): the batches of generations 0..generations-1, in
  // order, as the training split of a dataset file, and the validation set as its validation
  // split (docs/network-files.md): task network with task.batches = sequential trains on them
  // as the task trains itself.
  virtual data_group trials_as_dataset(std::uint32_t generations) const;
  // Tasks that read files: every value checked once before a run begins (on the rank that
  // decides; input_error naming the file), and what the run file records of them (name, value),
  // which a resume compares.
  virtual void check_files() const {}
  virtual std::vector<std::pair<std::string, std::string>> file_record() const { return {}; }
};

class evaluator {
 public:
  virtual ~evaluator() = default;
  // Loss of theta on the item. member identifies the population member for tasks whose members
  // differ in more than theta (heterogeneous neurons, per-member initial states).
  virtual evaluation evaluate(std::span<const double> theta, const work_item& item) = 0;
  evaluation evaluate(std::span<const double> theta, std::uint32_t generation,
                      std::uint32_t member = 0) {
    return evaluate(theta, work_item{generation, member});
  }
  // The exact gradient of the centre's loss on the item (its share of the batch's) with respect
  // to the task's exact_blocks(), written into grad at those blocks' offsets; false if it failed.
  virtual bool exact_gradient(std::span<const double> theta, const work_item& item,
                              std::span<double> grad);
  bool exact_gradient(std::span<const double> theta, std::uint32_t generation,
                      std::span<double> grad) {
    return exact_gradient(theta, work_item{generation}, grad);
  }
  // The backpropagation baseline (method = bp): the exact gradient of the centre's loss on the
  // item, by the continuous adjoint or by BPTT through a fixed-step scheme, written into grad
  // (theta.size() entries, zeroed by the callee). The returned evaluation is
  // evaluate(theta, item)'s (loss, status, cost); grad is meaningful only when it is ok().
  virtual evaluation gradient(std::span<const double> theta, const work_item& item,
                              std::span<double> grad);
  evaluation gradient(std::span<const double> theta, std::uint32_t generation,
                      std::span<double> grad) {
    return gradient(theta, work_item{generation}, grad);
  }
  // What `esbio simulate` records: the model's trajectories on a generation's batch (or the
  // validation batch) for the centre theta, as named arrays.
  virtual std::vector<named_array> traces(std::span<const double> theta,
                                          std::uint32_t generation) = 0;
};

// Add a solve's cost to ev and, if it failed, record the failure (a status, not an exception).
// Returns whether the solve succeeded.
bool account(evaluation& ev, const ode::solve_result& res);

}  // namespace esbio::tasks
