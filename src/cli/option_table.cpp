// The configuration keys every run has, with their defaults and --help lines; each task adds its
// own (tasks/registry.hpp). options.cpp holds the parsing machinery.
#include "options.hpp"

namespace esbio::cli {

// The defaults are the embedded main job: ES on the spiral, small enough to finish in minutes
// on two ranks. data/paper/*.ini hold the paper's protocols.
const std::vector<option_spec>& config_options() {
  static const std::vector<option_spec> specs{
      {"run.seed", "0", "run seed: every random number derives from it"},
      {"run.hash_every", "10", "generations between theta-hash comparisons across ranks"},
      {"run.validate_every", "1",
       "generations between evaluations of the centre on the task's fixed validation set "
       "(/history/validation_loss and validation_accuracy; NaN in between; the last generation "
       "always)"},
      {"dist.items_per_member", "1",
       "work items per ES member: its batch split into this many parts (task B: trials, task C: "
       "windows), "
       "spread over the ranks and summed in part order; more than 1 keeps more than S + 1 "
       "ranks busy (theta is the same bits at any rank count for a given value); auto: chosen "
       "from the rank count and population (at least 4 items a rank) and recorded in the run file "
       "as the number, which a resume keeps"},
      {"dist.gradient_parts", "auto",
       "method = bp and es.strategy = guided: the centre's gradient in this many parts of its "
       "batch, spread over the "
       "ranks and summed in part order (auto: task C one per window, task B one per 10 trials; "
       "theta is the same bits at any rank count for a given value)"},
      {"dist.rank0", "compute",
       "compute: rank 0 evaluates items between hand-outs | dispatch: it only hands out and "
       "collects (one idle rank; every item crosses the network). Never changes theta"},
      {"dist.update", "replicated",
       "replicated: every rank regenerates every member's noise for the update | sliced (song, "
       "openai): each rank 1/P of the coordinates, then gathered; the same bits, bytes O(active "
       "block) a generation instead of O(S). For hundreds of ranks"},
      {"dist.queue_depth", "3",
       "items in flight per worker rank (1-64): hides rank 0's own items and message latency; "
       "larger lengthens the tail. Never changes theta"},
      {"run.max_failed_generations", "10",
       "stop (exit 1) after this many generations in a row in which every evaluation failed (0: "
       "never)"},
      {"method", "es",
       "training method: es (evolution strategies) | bp (the task's exact gradient: adjoint or "
       "BPTT)"},
      {"task.name", "spiral",
       "task: spiral (C) | turn_off (A) | evidence (B) | robertson (D) | sphere | ellipsoid | "
       "rosenbrock | rastrigin (benchmarks)"},
      {"es.strategy", "song",
       "song (Hazelden et al.) | openai (Salimans et al.) | snes | pgpe | sep_cmaes | cmaes | "
       "guided (README: which to try first)"},
      {"es.population", "100",
       "samples per generation S (song: centre included; openai, pgpe, guided: even; snes, "
       "sep_cmaes, cmaes: 0 for the paper's 4 + 3 ln n)"},
      {"es.sigma", "0.01", "perturbation standard deviation"},
      {"es.baseline", "center",
       "song baseline subtracted from losses: none (paper) | center | mean"},
      {"es.block_coordinate", "auto",
       "perturb one parameter block per generation, in rotation: true | false | auto (true for "
       "song and openai, false for the others, which move their blocks together)"},
      {"es.blocks", "all",
       "parameter blocks ES trains, comma-separated, in rotation (all: every block; none: no ES, "
       "only es.exact_blocks train)"},
      {"es.exact_blocks", "none",
       "blocks trained by the task's exact gradient each generation (evidence: W_ro, b_ro)"},
      {"es.failure_penalty", "max",
       "loss of a failed member for song: max (the worst success plus the successes' spread) | "
       "a number (raised to that if not above every success)"},
      {"es.weight_decay", "0", "openai: L2 coefficient added to the estimate"},
      {"es.noise", "full",
       "noise of matrix blocks: full | lowrank (E = A B^T / sqrt(es.rank), EGGROLL; not cmaes) | "
       "table (slices of one shared table of normals, Salimans et al. 2017: no normals drawn per "
       "member)"},
      {"es.rank", "1", "es.noise = lowrank: the rank r of each matrix block's noise"},
      {"es.table_size", "16777216",
       "es.noise = table: entries of the table (4 bytes each, on every rank; at least the "
       "parameter count)"},
      {"es.sigma_lr", "default",
       "snes, pgpe: step size of the sigma update (default: snes (3 + ln n)/(5 sqrt n), pgpe "
       "0.1)"},
      {"es.mean_lr", "default", "snes, sep_cmaes, cmaes: step size of the mean update (default 1)"},
      {"es.sigma_max_change", "0.2", "pgpe: largest relative change of sigma per generation"},
      {"es.restarts", "0", "cmaes, sep_cmaes: IPOP restarts, the population doubled each time"},
      {"es.guided_k", "1", "guided: how many recent exact gradients span the guiding subspace"},
      {"es.guided_alpha", "0.5", "guided: share of the noise variance outside the subspace"},
      {"es.guided_beta", "2", "guided: scale of the estimate"},
      {"es.generations", "300", "generations to run (may be raised on --resume)"},
      {"optim.name", "adam", "optimiser: sgd | adam | rmsprop | clipup"},
      {"optim.lr", "0.003", "learning rate"},
      {"optim.momentum", "0", "sgd momentum"},
      {"optim.beta1", "0.9", "adam first-moment decay"},
      {"optim.beta2", "0.999", "adam second-moment decay"},
      {"optim.alpha", "0.99", "rmsprop smoothing constant"},
      {"optim.eps", "1e-8", "adam / rmsprop epsilon"},
      {"optim.max_speed", "0", "clipup: largest step (0: twice optim.lr)"},
      {"optim.weight_decay", "0", "decoupled weight decay (AdamW-style)"},
      {"optim.clip_norm", "0",
       "method = bp: rescale the gradient to at most this norm (0: off; the paper's BP on task "
       "B: 10)"},
      {"optim.nonfinite", "skip",
       "method = bp, a gradient with NaN or infinite entries: skip (no step) | zero (those "
       "entries set to 0, the paper's BP)"},
      {"checkpoint.every", "10", "generations between checkpoints (0: only at the end)"},
  };
  return specs;
}

}  // namespace esbio::cli
