#pragma once
// The generation loop: the one place where a task, a strategy, an optimiser and a distribution
// context meet. For generation g every rank
//   1. learns from rank 0 whether to stop (a signal arrived) or go on,
//   2. evaluates the members it is handed (theta + sigma eps regenerated locally),
//   3. receives all losses by index and applies the identical update to its replica of theta,
// and every few generations the ranks prove their replicas agree by comparing a hash.
// Writing the run file is the caller's business, through a checkpoint_sink on rank 0.

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "esbio/dist/context.hpp"
#include "esbio/es/optimizer.hpp"
#include "esbio/es/strategy.hpp"
#include "esbio/tasks/task.hpp"
#include "esbio/train/run_config.hpp"

namespace esbio::train {

// One row of /history per generation.
struct history_row {
  std::int64_t generation = 0;
  double loss = 0;             // centre member's loss on the generation's batch
  double validation_loss = 0;  // centre's loss on the task's fixed validation batch
  double accuracy = 0;         // centre member's accuracy (NaN for regression tasks)
  double sigma = 0;
  double grad_norm = 0;
  std::int64_t block = 0;  // index of the perturbed parameter block
  std::int64_t failures = 0;
  std::int64_t evaluations = 0;
  std::int64_t solver_steps = 0;
  double wall_s = 0;
  std::int64_t bytes_communicated = 0;
};

struct train_state {
  std::vector<double> theta;
  es::optimizer_state optimizer;
  std::uint32_t generation = 0;  // the next generation to run
  std::vector<history_row> history;

  // The part every rank needs to continue (theta, optimiser, generation), as bytes.
  std::vector<char> replica_bytes() const;
  void load_replica_bytes(const std::vector<char>& bytes);
};

// Rank 0's view of the run's persistent state. save() writes a checkpoint (and may throw: a full
// disk); completed() is told the whole state after every generation, so that an urgent stop (a
// SIGTERM from the scheduler) can write the last completed generation at once instead of waiting
// for the one in flight.
// The status a checkpoint records (the run file's `status` attribute).
enum class checkpoint_kind { running, stopped, failed, finished };
const char* to_string(checkpoint_kind k);

class checkpoint_sink {
 public:
  virtual ~checkpoint_sink() = default;
  virtual void save(const train_state& st, checkpoint_kind kind) = 0;
  virtual void completed(const train_state& st) { (void)st; }
};

struct progress {
  std::uint32_t generation, total;
  double eta_s;
  double evals_per_s;
};
using progress_fn = std::function<void(const history_row&, const progress&)>;

// stopped: a stop request at a generation boundary; failed: the run could not go on (every
// evaluation failed for run.max_failed_generations generations in a row, or a checkpoint could
// not be written), with the reason in trainer::failure().
enum class outcome { finished, stopped, failed };
using warning_fn = std::function<void(const std::string&)>;

class trainer {
 public:
  trainer(const run_config& cfg, tasks::task& task, dist::context& ctx);

  train_state initial_state() const;
  const es::strategy& strategy() const { return strategy_; }

  // Run generations st.generation .. cfg.generations-1. sink may be null (non-root ranks);
  // stop is polled on rank 0 only and rank 0's view is broadcast.
  outcome run(train_state& st, checkpoint_sink* sink, const progress_fn& on_progress,
              const std::atomic<bool>* stop);
  // Why the last run() returned outcome::failed (one line, for rank 0 to print).
  const std::string& failure() const { return failure_; }
  // Called on rank 0 and the other ranks alike when most members of a generation fail.
  void on_warning(warning_fn fn) { warn_ = std::move(fn); }

 private:
  // The paper's hybrid step: blocks in es.exact_blocks follow the task's exact gradient.
  void exact_step(train_state& st, es::optimizer& opt, std::uint32_t generation);
  // method = bp: every rank computes the same exact gradient of the centre's loss (the task is
  // deterministic, so theta still never crosses the network) and steps every parameter.
  void bp_generation(train_state& st, es::optimizer& opt, history_row& row);
  void es_generation(train_state& st, es::optimizer& opt, history_row& row,
                     std::vector<double>& member_theta);

  // Failure bookkeeping after a generation: warnings when most members failed, and the reason
  // to stop when nothing could be evaluated for too many generations in a row.
  bool account_failures(const history_row& row, const std::vector<evaluation>& evals);

  const run_config& cfg_;
  tasks::task& task_;
  dist::context& ctx_;
  es::strategy strategy_;
  std::vector<evaluation> last_evals_;  // the generation's member evaluations, for accounting
  std::uint32_t failed_in_a_row_ = 0;
  std::int64_t last_warning_ = -1;
  std::string failure_;
  warning_fn warn_;
};

}  // namespace esbio::train
