#include "esbio/train/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <deque>
#include <limits>
#include <numeric>
#include <optional>

#include "esbio/core/error.hpp"
#include "esbio/core/hash.hpp"
#include "esbio/train/generation_plan.hpp"

namespace esbio::train {

trainer::trainer(run_config cfg, const tasks::task& task, dist::context& ctx)
    : cfg_(std::move(cfg)),
      task_(task),
      eval_(task.make_evaluator()),
      ctx_(ctx),
      search_(es::make_search(cfg_.es, task.layout())) {
  ctx_.set_schedule(cfg_.schedule);
  const auto offered = task.exact_blocks();
  for (const auto& name : cfg_.es.exact_blocks)
    if (std::find(offered.begin(), offered.end(), name) == offered.end())
      throw input_error("es.exact_blocks: task " + task.name() +
                        " has no exact gradient for block '" + name + "'");
  if (cfg_.method == training_method::es && search_->traits().wants_gradient &&
      !task.has_gradient())
    throw input_error("es.strategy = " + cfg_.es.strategy +
                      " needs the task's exact gradient, and task " + task.name() +
                      " has none in this configuration");
  if (cfg_.items_per_member == 0)
    throw input_error(
        "dist.items_per_member = auto is chosen by esbio train from the rank count; "
        "give a number here");
  if (cfg_.items_per_member > task.batch_parts())
    throw input_error("dist.items_per_member = " + std::to_string(cfg_.items_per_member) +
                      ": task " + task.name() + " splits a member's batch into at most " +
                      std::to_string(task.batch_parts()) + " parts in this configuration");
  if (cfg_.gradient_parts > task.batch_parts())
    throw input_error("dist.gradient_parts = " + std::to_string(cfg_.gradient_parts) + ": task " +
                      task.name() + " splits its batch into at most " +
                      std::to_string(task.batch_parts()) + " parts in this configuration");
  if (cfg_.method == training_method::bp && !task.has_gradient())
    throw input_error("method = bp: " + task.no_gradient_reason());
}

void trainer::exact_step(train_state& st, es::optimizer& opt, std::uint32_t generation) {
  if (cfg_.es.exact_blocks.empty()) return;
  const auto& layout = task_.layout();
  std::vector<double> grad(st.theta.size(), 0.0);
  // The exact blocks' gradient, packed block after block in es.exact_blocks order.
  std::vector<double> packed;
  std::size_t width = 0;
  for (const auto& name : cfg_.es.exact_blocks) width += layout.block(name).size();
  const auto pack = [&](std::span<double> out) {
    std::size_t at = 0;
    for (const auto& name : cfg_.es.exact_blocks) {
      const auto& b = layout.block(name);
      std::copy_n(grad.begin() + static_cast<std::ptrdiff_t>(b.offset), b.size(),
                  out.begin() + static_cast<std::ptrdiff_t>(at));
      at += b.size();
    }
  };
  const std::size_t parts = cfg_.items_per_member;
  if (parts == 1) {
    // Every rank computes the same gradient from the same inputs (one extra forward pass each),
    // so nothing crosses the network.
    if (!eval_->exact_gradient(st.theta, tasks::work_item{generation}, grad)) return;
    packed.resize(width);
    pack(packed);
  } else {
    // In the members' K parts of the batch, spread over the ranks and summed in part order
    // (the same bits at any rank count): a forward pass no longer repeated on every rank, which
    // at hundreds of ranks costs as much as the members' share. Only the exact blocks' entries
    // cross (the readout: 3N + 3 values), never theta.
    const auto evs = ctx_.sum_vectors(
        parts, width,
        [&](std::size_t k, std::span<double> out) {
          evaluation ev;
          std::fill(grad.begin(), grad.end(), 0.0);
          if (!eval_->exact_gradient(st.theta, tasks::work_item{generation, 0, k, parts}, grad)) {
            ev.status = eval_status::non_finite;
            return ev;
          }
          pack(out);
          return ev;
        },
        packed);
    for (const auto& e : evs)
      if (!e.ok()) return;
  }
  std::size_t at = 0;
  for (const auto& name : cfg_.es.exact_blocks) {
    const auto idx = layout.index_of(name);
    const auto& b = layout.blocks()[idx];
    opt.step(st.theta, std::span<const double>(packed).subspan(at, b.size()), b.offset, idx);
    at += b.size();
  }
}

evaluation trainer::centre_gradient(std::span<const double> theta, std::uint32_t g,
                                    std::vector<double>& grad) {
  grad.assign(theta.size(), 0.0);
  // A gradient in parts is spread over the ranks and summed in part order, so the bits depend on
  // the part count alone; one part is computed on every rank.
  const std::size_t parts = cfg_.gradient_parts > 0 ? cfg_.gradient_parts : task_.gradient_parts();
  if (parts == 1) return eval_->gradient(theta, tasks::work_item{g}, grad);
  return generation_plan::sum_parts(ctx_.sum_vectors(
      parts, grad.size(),
      [&](std::size_t k, std::span<double> part_grad) {
        return eval_->gradient(theta, tasks::work_item{g, 0, k, parts}, part_grad);
      },
      grad));
}

void trainer::bp_generation(train_state& st, es::optimizer& opt, history_row& row) {
  const std::uint32_t g = st.generation;
  std::vector<double> grad;
  const evaluation centre = centre_gradient(st.theta, g, grad);
  last_evals_.assign(1, centre);
  const generation_plan plan(g, 0, cfg_.items_per_member, validation_parts(g));
  const auto validation =
      plan
          .combine(ctx_.evaluate(
              plan.size(), [&](std::size_t i) { return eval_->evaluate(st.theta, plan.item(i)); }))
          .validation;
  row.loss = centre.loss;
  record_validation(validation ? &*validation : nullptr, row);
  row.accuracy =
      task_.classification() ? centre.accuracy : std::numeric_limits<double>::quiet_NaN();
  row.sigma = 0;
  row.block = no_block;
  row.evaluations = 1;
  row.solver_steps = centre.steps + (validation ? validation->steps : 0);
  // A failed centre leaves grad meaningless: as if every entry were NaN (the paper's loss NaN).
  bool finite = centre.ok();
  for (double& v : grad) {
    if (centre.ok() && std::isfinite(v)) continue;
    finite = false;
    if (cfg_.optim.zero_nonfinite) v = 0;
  }
  row.failures = finite ? 0 : 1;
  if (!finite && !cfg_.optim.zero_nonfinite) {
    row.grad_norm = std::numeric_limits<double>::quiet_NaN();
    return;  // a failed gradient is a result: no step this generation
  }
  row.grad_norm = es::clip_to_norm(grad, cfg_.optim.clip_norm);
  opt.step(st.theta, grad, 0, 0);
}

void trainer::es_generation(train_state& st, es::optimizer& opt, history_row& row,
                            std::vector<double>& member_theta) {
  const std::uint32_t g = st.generation;
  exact_step(st, opt, g);
  if (search_->traits().wants_gradient) {
    // Guided ES: the centre's exact gradient shapes this generation's noise. Like BP's it is
    // computed in parts over the ranks (only the gradient crosses, summed in part order), so every
    // rank holds the same bits without each repeating the whole backward pass.
    std::vector<double> grad;
    const auto ev = centre_gradient(st.theta, g, grad);
    if (!ev.ok()) std::fill(grad.begin(), grad.end(), std::numeric_limits<double>::quiet_NaN());
    search_->observe_gradient(st.search, grad);
  }
  const std::size_t members = search_->evaluations(st.search);
  // A rank keeps the last member it drew, since consecutive items often share one.
  const generation_plan plan(g, members, cfg_.items_per_member, validation_parts(g));
  std::optional<std::size_t> drawn;
  auto results = plan.combine(ctx_.evaluate(plan.size(), [&](std::size_t i) {
    const auto item = plan.item(i);
    if (!plan.is_member(i)) return eval_->evaluate(st.theta, item);
    const std::size_t m = plan.member_of(i);
    if (drawn != m) {
      search_->ask(st.theta, st.search, g, m, member_theta);
      drawn = m;
    }
    return eval_->evaluate(member_theta, item);
  }));
  auto& evals = results.members;
  const auto& validation = results.validation;
  last_evals_ = evals;
  const auto summary = tell(st, opt, g, evals);

  row.loss = evals[0].loss;
  record_validation(validation ? &*validation : nullptr, row);
  row.accuracy =
      task_.classification() ? evals[0].accuracy : std::numeric_limits<double>::quiet_NaN();
  row.sigma = summary.sigma;
  row.grad_norm = summary.grad_norm;
  row.block = summary.block;
  row.failures = static_cast<std::int64_t>(summary.failures);
  row.evaluations = static_cast<std::int64_t>(members);
  for (const auto& e : evals) row.solver_steps += e.steps;
  if (validation) row.solver_steps += validation->steps;
}

es::generation_summary trainer::tell(train_state& st, es::optimizer& opt, std::uint32_t g,
                                     const std::vector<evaluation>& evals) {
  if (const auto* direct = search_->direct()) return direct->tell(st.theta, st.search, g, evals);
  const auto& est = *search_->estimating();
  const std::size_t n = est.estimate_size(g);
  std::vector<double> grad(n, 0.0);
  if (!cfg_.sliced_update || !search_->traits().sliced_update || ctx_.size() == 1 || n == 0) {
    est.estimate(st.theta, st.search, g, evals, 0, n, grad);
  } else {
    // Rank r estimates entries [n r / P, n (r + 1) / P); every entry is summed over the members
    // in the same order as on one rank, so the gathered estimate is the same bits, from 1/P of
    // the noise regeneration.
    const auto p = static_cast<std::size_t>(ctx_.size()), r = static_cast<std::size_t>(ctx_.rank());
    std::vector<std::size_t> bounds(p + 1);
    for (std::size_t q = 0; q <= p; ++q) bounds[q] = n * q / p;
    est.estimate(st.theta, st.search, g, evals, bounds[r], bounds[r + 1], grad);
    ctx_.allgather(grad, bounds);
  }
  return est.apply(st.theta, st.search, opt, g, evals, grad);
}

std::size_t trainer::validation_parts(std::uint32_t generation) const {
  return validates(generation) ? task_.validation_parts(cfg_.items_per_member) : 0;
}

bool trainer::validates(std::uint32_t generation) const {
  return generation % cfg_.validate_every == 0 || generation + 1 == cfg_.generations;
}

void trainer::record_validation(const evaluation* v, history_row& row) const {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  row.validation_loss = v ? v->loss : nan;
  row.validation_accuracy = v && task_.classification() ? v->accuracy : nan;
}

train_state trainer::initial_state() const {
  train_state st;
  st.theta = task_.initial_params();
  es::optimizer opt(cfg_.optim, st.theta.size(), search_->range_count());
  st.optimizer = opt.state();
  st.search = search_->initial(st.theta);
  return st;
}

const char* to_string(checkpoint_kind k) {
  switch (k) {
    case checkpoint_kind::running:
      return "running";
    case checkpoint_kind::stopped:
      return "stopped";
    case checkpoint_kind::failed:
      return "failed";
    case checkpoint_kind::finished:
      return "finished";
  }
  return "unknown";
}

namespace {

// What rank 0 tells every rank at the top of a generation.
enum control : int { go_on = 0, stop_now = 1, abort_run = 2 };

bool all_failed(const history_row& row) {
  return row.evaluations > 0 && row.failures >= row.evaluations;
}

// The most common failure among evals, with what usually causes it.
std::string commonest_failure(const std::vector<evaluation>& evals) {
  std::size_t counts[4] = {};
  for (const auto& e : evals)
    if (!e.ok()) ++counts[static_cast<std::size_t>(e.status) & 3];
  std::size_t best = 1;
  for (std::size_t k = 2; k < 4; ++k)
    if (counts[k] > counts[best]) best = k;
  switch (static_cast<eval_status>(best)) {
    case eval_status::work_budget:
      return "work_budget: ode.max_steps or ode.max_seconds exceeded";
    case eval_status::non_finite:
      return "non_finite: the loss was NaN or infinite";
    default:
      return "solver_failure: the integrator gave up (tolerances, stiffness, es.sigma)";
  }
}

}  // namespace

bool trainer::account_failures(const history_row& row, const std::vector<evaluation>& evals) {
  const auto g = row.generation;
  if (all_failed(row)) {
    ++failed_in_a_row_;
  } else {
    failed_in_a_row_ = 0;
  }
  if (cfg_.max_failed_generations > 0 && failed_in_a_row_ >= cfg_.max_failed_generations) {
    failure_ =
        "every evaluation failed in " + std::to_string(failed_in_a_row_) +
        " consecutive generations (" + std::to_string(g + 1 - failed_in_a_row_) + " to " +
        std::to_string(g) + "; mostly " + commonest_failure(evals) +
        "); stopped (run.max_failed_generations = " + std::to_string(cfg_.max_failed_generations) +
        ")";
    return false;
  }
  // Most members failing is worth one line: the estimate then rests on the few that succeeded.
  if (warn_ && 2 * row.failures > row.evaluations &&
      (last_warning_ < 0 || g - last_warning_ >= 100)) {
    last_warning_ = g;
    warn_(std::to_string(row.failures) + " of " + std::to_string(row.evaluations) +
          " evaluations failed in generation " + std::to_string(g) + " (mostly " +
          commonest_failure(evals) +
          "); failures rank below every success (this warning repeats at most every 100 "
          "generations)");
  }
  return true;
}

outcome trainer::run(train_state& st, checkpoint_sink* sink, const progress_fn& on_progress,
                     const std::atomic<bool>* stop) {
  using clock = std::chrono::steady_clock;
  search_->adopt(st.search);  // a resumed state arrives as the checkpoint's named vectors
  es::optimizer opt(cfg_.optim, st.theta.size(), search_->range_count());
  opt.restore(st.optimizer);
  std::vector<double> member_theta(st.theta.size());
  std::deque<double> recent_s;  // generation times for the ETA
  const std::size_t members =
      cfg_.method == training_method::bp ? 1 : search_->evaluations(st.search);
  failure_.clear();
  last_warning_ = -1;
  // The failure streak is part of the history, so a resumed run stops where an uninterrupted
  // one would.
  failed_in_a_row_ = 0;
  for (auto it = st.history.rbegin(); it != st.history.rend() && all_failed(*it); ++it)
    ++failed_in_a_row_;

  // Checkpoints are rank 0's; a failed one (a full disk) is reported to every rank at the next
  // generation boundary, so that all of them stop instead of waiting for rank 0 in a collective.
  std::string save_error;
  auto save = [&](checkpoint_kind kind) {
    st.optimizer = opt.state();
    if (!sink) return true;
    try {
      sink->save(st, kind);
      return true;
    } catch (const std::exception& e) {
      save_error = e.what();
      return false;
    }
  };
  auto fail = [&](std::string why) {
    failure_ = std::move(why);
    return outcome::failed;
  };

  while (st.generation < cfg_.generations) {
    const auto t0 = clock::now();
    const auto bytes0 = ctx_.bytes_communicated();
    const int code = ctx_.broadcast_code(!save_error.empty()      ? abort_run
                                         : (stop && stop->load()) ? stop_now
                                                                  : go_on);
    if (code == abort_run)
      return fail(save_error.empty() ? "rank 0 could not write a checkpoint" : save_error);
    if (code == stop_now)
      return save(checkpoint_kind::stopped) ? outcome::stopped : fail(save_error);
    const std::uint32_t g = st.generation;
    history_row row;
    row.generation = g;
    if (cfg_.method == training_method::bp)
      bp_generation(st, opt, row);
    else
      es_generation(st, opt, row, member_theta);
    ++st.generation;

    if (cfg_.hash_every > 0 && st.generation % cfg_.hash_every == 0 &&
        !ctx_.all_equal(es::state_hash(st.theta, opt.state(), st.search)))
      throw consistency_error("ranks disagree on theta after generation " + std::to_string(g) +
                              ": the replicas diverged (non-deterministic evaluation?)");

    row.bytes_communicated = static_cast<std::int64_t>(ctx_.bytes_communicated() - bytes0);
    row.wall_s = std::chrono::duration<double>(clock::now() - t0).count();
    st.history.push_back(row);
    st.optimizer = opt.state();
    if (sink) sink->completed(st);

    recent_s.push_back(row.wall_s);
    if (recent_s.size() > 20) recent_s.pop_front();
    double mean_s = 0;
    for (double s : recent_s) mean_s += s;
    mean_s /= static_cast<double>(recent_s.size());
    if (on_progress)
      on_progress(row, {st.generation, cfg_.generations,
                        mean_s * static_cast<double>(cfg_.generations - st.generation),
                        row.wall_s > 0 ? static_cast<double>(members) / row.wall_s : 0.0});

    if (!account_failures(row, last_evals_)) {
      std::string why = failure_;
      if (!save(checkpoint_kind::failed)) why += "; and the checkpoint failed: " + save_error;
      return fail(why);
    }
    if (cfg_.checkpoint_every > 0 && st.generation % cfg_.checkpoint_every == 0 &&
        st.generation < cfg_.generations)
      save(checkpoint_kind::running);
  }
  return save(checkpoint_kind::finished) ? outcome::finished : fail(save_error);
}

}  // namespace esbio::train
