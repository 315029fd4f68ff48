#include "esbio/train/run_config.hpp"

#include <limits>
#include <sstream>

#include "esbio/core/hash.hpp"
#include "esbio/es/registry.hpp"
#include "esbio/tasks/registry.hpp"

namespace esbio::train {

namespace {

const schema<dist::schedule>& schedule_schema() {
  using namespace codecs;
  static const auto s =
      schema<dist::schedule>()
          .field("dist.rank0", &dist::schedule::rank0_computes,
                 choice<bool>({{"compute", true}, {"dispatch", false}}),
                 "compute: rank 0 evaluates items between hand-outs | dispatch: it only hands out "
                 "and collects (one idle rank; every item crosses the network). Never changes "
                 "theta")
          .field("dist.queue_depth", &dist::schedule::queue_depth, count<int>(1, 64),
                 "items in flight per worker rank (1-64): hides rank 0's own items and message "
                 "latency; larger lengthens the tail. Never changes theta");
  return s;
}

// The strategies whose update dist.update = sliced spreads over the ranks.
std::string sliced_strategies() {
  std::string out;
  for (const auto& k : es::strategies())
    if (k.traits.sliced_update) out += (out.empty() ? "" : ", ") + k.name;
  return out;
}

}  // namespace

// The defaults are the embedded main job: ES on the spiral, small enough to finish in minutes
// on two ranks. data/paper/*.ini hold the paper's protocols.
const schema<run_config>& run_config_schema() {
  using c = run_config;
  using namespace codecs;
  static const auto s =
      schema<c>()
          .field("run.seed", &c::seed,
                 count<std::uint64_t>(0, std::numeric_limits<std::uint64_t>::max()),
                 "run seed: every random number derives from it")
          .field("run.hash_every", &c::hash_every, count<std::uint32_t>(),
                 "generations between theta-hash comparisons across ranks")
          .field("run.validate_every", &c::validate_every, count<std::uint32_t>(1, 1u << 30),
                 "generations between evaluations of the centre on the task's fixed validation "
                 "set (/history/validation_loss and validation_accuracy; NaN in between; the last "
                 "generation always)")
          // auto (0) is resolved from the rank count by esbio train before the run file is
          // written (cli::resolve_items_per_member), so a run file records the number it ran with.
          .field("dist.items_per_member", &c::items_per_member,
                 count_or<std::uint32_t>("auto", 0, 1, 1u << 16),
                 "work items per ES member: its batch split into this many parts (task B: trials, "
                 "task C: windows), spread over the ranks and summed in part order; more than 1 "
                 "keeps more than S + 1 ranks busy (theta is the same bits at any rank count for "
                 "a given value); auto: chosen from the rank count and population (at least 4 "
                 "items a rank) and recorded in the run file as the number, which a resume keeps")
          .field("dist.gradient_parts", &c::gradient_parts,
                 count_or<std::uint32_t>("auto", 0, 1, 1u << 16),
                 "method = bp and es.strategy = guided: the centre's gradient in this many parts "
                 "of its batch, spread over the ranks and summed in part order (auto: task C one "
                 "per window, task B one per 10 trials; theta is the same bits at any rank count "
                 "for a given value)")
          .section(&c::schedule, schedule_schema())
          .field("dist.update", &c::sliced_update,
                 choice<bool>({{"replicated", false}, {"sliced", true}}),
                 "replicated: every rank regenerates every member's noise for the update | sliced "
                 "(" +
                     sliced_strategies() +
                     "): each rank 1/P of the coordinates, then gathered; the same bits, bytes "
                     "O(active block) a generation instead of O(S). For hundreds of ranks")
          .field("run.max_failed_generations", &c::max_failed_generations, count<std::uint32_t>(),
                 "stop (exit 1) after this many generations in a row in which every evaluation "
                 "failed (0: never)")
          .field(
              "method", &c::method,
              choice<training_method>({{"es", training_method::es}, {"bp", training_method::bp}}),
              "training method: es (evolution strategies) | bp (the task's exact gradient: "
              "adjoint or BPTT)")
          .field("task.name", &c::task, text(),
                 "task: spiral (C) | turn_off (A) | evidence (B) | robertson (D) | sphere | "
                 "ellipsoid | rosenbrock | rastrigin (benchmarks)")
          .section(&c::es, es::es_config_schema())
          .field("es.generations", &c::generations,
                 count<std::uint32_t>(1, tasks::validation_generation - 1),
                 "generations to run (may be raised on --resume)")
          .section(&c::optim, es::optimizer_config_schema())
          .field("checkpoint.every", &c::checkpoint_every, count<std::uint32_t>(),
                 "generations between checkpoints (0: only at the end)");
  return s;
}

run_config read_run_config(const settings& s) {
  run_config c = run_config_schema().read(s);
  c.es.seed = c.seed;
  // Recorded as what it resolved to (es.block_coordinate = auto), so a run file says what ran.
  c.es = es::resolved(c.es);
  es::validate(c.es);
  es::validate(c.optim);
  // Only the task's own keys enter the configuration: another task's keys in an INI file that
  // serves several are dropped.
  c.values = tasks::find_task(c.task).read(s);
  update_text(c);
  return c;
}

void update_text(run_config& c) {
  for (auto& [key, value] : run_config_schema().write(c)) c.values[key] = std::move(value);
  c.text = settings_text(c.values);
}

bool resumable_key(const std::string& key) {
  return key == "es.generations" || key == "checkpoint.every" || key == "run.hash_every" ||
         key == "run.max_failed_generations" || key == "run.validate_every" ||
         key == "dist.rank0" || key == "dist.queue_depth";
}

std::uint64_t config_hash(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  std::uint64_t h = fnv1a(std::string_view{});
  while (std::getline(in, line)) {
    const auto eq = line.find(" = ");
    if (eq != std::string::npos && resumable_key(line.substr(0, eq))) continue;
    h = fnv1a(line + "\n", h);
  }
  return h;
}

}  // namespace esbio::train
