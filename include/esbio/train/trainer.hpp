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
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "esbio/dist/context.hpp"
#include "esbio/es/optimizer.hpp"
#include "esbio/es/search.hpp"
#include "esbio/tasks/task.hpp"
#include "esbio/train/run_config.hpp"
#include "esbio/train/train_state.hpp"

namespace esbio::train {

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
  // The task (a description) must outlive the trainer; the trainer makes its own evaluator.
  trainer(run_config cfg, const tasks::task& task, dist::context& ctx);

  train_state initial_state() const;

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
  // method = bp: the exact gradient of the centre's loss, then a step of every parameter. A task
  // with one gradient part computes it on every rank (the task is deterministic, so theta never
  // crosses the network); one with several spreads the parts over the ranks and sums them in
  // part order (dist::context::sum_vectors), the same bits at any rank count.
  void bp_generation(train_state& st, es::optimizer& opt, history_row& row);
  // The centre's exact gradient into grad (zeroed first), as BP and guided ES take it: in
  // dist.gradient_parts parts (auto: the task's task::gradient_parts()) spread over the ranks
  // and summed in part order, or, with one part, on every rank.
  evaluation centre_gradient(std::span<const double> theta, std::uint32_t generation,
                             std::vector<double>& grad);
  // The strategy's update from the generation's losses: a direct search's tell(), or an
  // estimating search's estimate, whole on every rank or, with dist.update = sliced and a
  // strategy whose estimate slices, a slice per rank gathered, then its apply().
  es::generation_summary tell(train_state& st, es::optimizer& opt, std::uint32_t g,
                              const std::vector<evaluation>& evals);
  // The validation batch's parts in generation g (0 when it does not validate).
  std::size_t validation_parts(std::uint32_t g) const;
  // Whether generation g evaluates the validation set (run.validate_every, and the last), and
  // its loss and accuracy into row (NaN when v is null).
  bool validates(std::uint32_t g) const;
  void record_validation(const evaluation* v, history_row& row) const;
  void es_generation(train_state& st, es::optimizer& opt, history_row& row,
                     std::vector<double>& member_theta);

  // Failure bookkeeping after a generation: warnings when most members failed, and the reason
  // to stop when nothing could be evaluated for too many generations in a row.
  bool account_failures(const history_row& row, const std::vector<evaluation>& evals);

  run_config cfg_;
  const tasks::task& task_;
  std::unique_ptr<tasks::evaluator> eval_;
  dist::context& ctx_;
  std::unique_ptr<es::search> search_;
  std::vector<evaluation> last_evals_;  // the generation's member evaluations, for accounting
  std::uint32_t failed_in_a_row_ = 0;
  std::int64_t last_warning_ = -1;
  std::string failure_;
  warning_fn warn_;
};

}  // namespace esbio::train
