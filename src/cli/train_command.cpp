#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>

#include "collective.hpp"
#include "commands.hpp"
#include "esbio/core/error.hpp"
#include "esbio/core/file_access.hpp"
#include "esbio/core/platform.hpp"
#include "esbio/dist/context.hpp"
#include "esbio/io/output_file.hpp"
#include "esbio/io/run_file.hpp"
#include "esbio/models/network_file.hpp"
#include "esbio/ode/integrator.hpp"
#include "esbio/tasks/registry.hpp"
#include "esbio/train/trainer.hpp"
#include "esbio/version.hpp"
#include "options.hpp"
#include "progress.hpp"
#include "run_file_sink.hpp"
#include "stop_signals.hpp"

namespace esbio::cli {

namespace {

std::string now_utc() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

// Name the first setting that differs, so a refused --resume says what to fix.
std::string first_difference(const train::run_config& recorded, const train::run_config& now) {
  // Another task differs in many keys; the first alphabetically (es.baseline) would mislead.
  if (recorded.task != now.task)
    return "task.name (run file: " + recorded.task + ", now: " + now.task +
           "): the configuration is another task's";
  for (const auto& [k, v] : recorded.values)
    if (!train::resumable_key(k) && now.values.at(k) != v)
      return k + " (run file: " + v + ", now: " + now.values.at(k) + ")";
  return "unknown";
}

// What rank 0 settles before any rank computes: everything that touches the file system, and
// the configuration, resolved once.
// The process's peak resident memory (Linux reports ru_maxrss in KiB).
double peak_memory_bytes() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return 1024.0 * static_cast<double>(u.ru_maxrss);
}

std::string format_bytes(double b) {
  char buf[32];
  if (b >= 1e9)
    std::snprintf(buf, sizeof buf, "%.2f GB", b / 1e9);
  else if (b >= 1e6)
    std::snprintf(buf, sizeof buf, "%.1f MB", b / 1e6);
  else
    std::snprintf(buf, sizeof buf, "%.0f kB", b / 1e3);
  return buf;
}

struct plan {
  train::run_config cfg;
  bool resume = false;
  io::run_contents previous;  // on --resume
  // What the run records of its files and its network (io::run_metadata).
  std::vector<std::pair<std::string, std::string>> files;
  std::optional<data_group> network;
  std::uint64_t network_hash = 0;
};

// The checkpoint a --resume continues, checked against the task as configured now: its theta
// and moments fit the task's parameters and are finite, its data file and network are the ones
// the run began with.
void check_resume(const std::string& out, const plan& p, const tasks::task& task) {
  const auto& st = p.previous.state;
  const auto refuse = [&](const std::string& why) {
    throw input_error("cannot resume '" + out + "': " + why);
  };
  if (st.theta.size() != task.layout().size())
    refuse("its checkpoint's theta has " + std::to_string(st.theta.size()) +
           " entries where task " + task.name() + " as configured has " +
           std::to_string(task.layout().size()) + " parameters");
  io::require_finite(p.previous, out);
  for (const auto& [key, before] : p.previous.meta.files) {
    const auto now = std::find_if(p.files.begin(), p.files.end(),
                                  [&](const auto& kv) { return kv.first == key; });
    if (now == p.files.end() || now->second != before) {
      const auto name = std::find_if(p.previous.meta.files.begin(), p.previous.meta.files.end(),
                                     [](const auto& kv) { return kv.first == "data_file"; });
      refuse("the data file '" +
             (name != p.previous.meta.files.end() ? name->second : std::string("?")) +
             "' changed since the run began (" + key + " was " + before + ", is " +
             (now == p.files.end() ? std::string("absent") : now->second) + ")");
    }
  }
  if (p.previous.meta.network && p.network &&
      models::network_from_tree(*p.previous.meta.network, out).hash() != p.network_hash)
    refuse("the network (task.network, or task B's settings) is not the one the run began with");
}

plan make_plan(const train_args& a, int ranks) {
  plan p;
  if (a.out.empty()) throw input_error("--out FILE is required (the HDF5 run file to write)");
  std::string base, base_name;
  if (a.resume) {
    io::check_rewritable(a.out);
    p.previous = io::read_run_file(a.out);
    p.resume = true;
    base = p.previous.meta.config;
    base_name = a.out;
  } else {
    check_output(a.out, a.force, " or --resume to continue it");
  }
  if (!a.config_file.empty()) {
    base = read_config_text(a.config_file);
    base_name = a.config_file;
  }
  p.cfg = to_run_config(resolve_settings(base, base_name, a.argv));
  if (p.resume) {
    // The run file's configuration read again with today's schema: a file written before a
    // task kept only its own keys (or before a new resumable key) resumes when the settings that
    // apply are the same; one whose keys no longer parse is refused by resolve_settings, naming
    // the file and the key.
    const auto recorded =
        to_run_config(resolve_settings(p.previous.meta.config, "run file '" + a.out + "'", {}));
    if (train::config_hash(p.cfg.text) != train::config_hash(recorded.text))
      throw input_error("cannot resume '" + a.out + "': the configuration differs in " +
                        first_difference(recorded, p.cfg));
    if (p.previous.state.generation >= p.cfg.generations)
      throw input_error("'" + a.out + "' already ran " +
                        std::to_string(p.previous.state.generation) +
                        " generations; raise --es.generations to continue it");
  } else {
    resolve_items_per_member(p.cfg, ranks);
  }
  // The task once on rank 0: its files checked whole before anything is written (every value of
  // a dataset: NaN, ranges), and what the run file records of them.
  const auto task = tasks::make_task(p.cfg.task, p.cfg.values, p.cfg.seed);
  p.files = task->file_record();
  if (const auto* net = task->network()) {
    p.network = models::network_tree(*net);
    // As the run file will hold it (the file names what a description may leave implicit).
    p.network_hash = models::network_from_tree(*p.network, "task.network").hash();
  }
  if (p.resume)
    check_resume(a.out, p, *task);
  else
    task->check_files();
  return p;
}

}  // namespace

namespace {

// What the signal watcher may touch: it outlives the run (see train_command).
struct urgent_state {
  std::unique_ptr<run_file_sink> sink;
  std::atomic<run_file_sink*> live_sink{nullptr};
  std::atomic<bool> resuming{false};
};

int train(dist::context& context, stop_signals& signals, urgent_state& urgent,
          const std::vector<std::string>& args) {
  dist::context* ctx = &context;
  const bool root = ctx->rank() == 0;
  auto& sink = urgent.sink;
  auto& live_sink = urgent.live_sink;
  auto& resuming = urgent.resuming;
  if (root) {
    // Until the sink exists an urgent signal has nothing to save: on --resume the run file is
    // still the complete checkpoint it was (exit 3, resumable); otherwise nothing was written.
    signals.on_urgent([&live_sink, &resuming](int sig) {
      if (auto* s = live_sink.load()) s->urgent_stop(sig);
      const char* line = resuming ? "esbio: stopped by a signal before resuming; the run file is "
                                    "unchanged (continue with --resume)\n"
                                  : "esbio: stopped by a signal before the run began; nothing "
                                    "was written\n";
      const auto n = ::write(STDERR_FILENO, line, std::strlen(line));
      (void)n;
      ::_exit(resuming ? 3 : 1);
    });
  } else {
    // The other ranks leave rank 0 time to write before they go; under mpirun they are killed
    // about a second after the signal anyway, and under srun their exit code joins rank 0's.
    signals.on_urgent([](int) {
      std::this_thread::sleep_for(std::chrono::seconds(5));
      ::_exit(3);
    });
  }

  // Phase 1, rank 0 alone: parse, read files, refuse bad input before anything is written.
  train_args a;
  plan p;
  const int status = root_decides(*ctx, [&] {
    a = parse_train_args(args);
    if (a.help) {
      std::cout << train_help();
      return -1;
    }
    p = make_plan(a, ctx->size());
    resuming = p.resume;
    io::remove_stale_temporary(a.out);  // the input is good: clear what a killed run left
    return 0;
  });
  if (status == -1) return 0;
  if (status != 0) return status;

  if (!same_instruction_set(*ctx)) return 2;
  // Phase 2, every rank: the same configuration text gives the same task and trainer everywhere.
  // The other ranks read rank 0's resolved configuration from its text, once.
  const std::string text = broadcast_string(*ctx, p.cfg.text);
  std::vector<char> flags{static_cast<char>(p.resume), static_cast<char>(a.quiet)};
  ctx->broadcast(flags);
  const bool resume = flags[0] != 0, quiet = flags[1] != 0;

  const auto cfg = root ? p.cfg : to_run_config(resolve_settings(text, "configuration", {}));
  const auto task = make_task_everywhere(*ctx, cfg);
  if (!task) return 2;

  std::optional<train::trainer> trainer;
  if (!agree_on(*ctx, [&] { trainer.emplace(cfg, *task, *ctx); })) return 2;
  auto& tr = *trainer;
  train::train_state st;
  if (resume) {
    std::vector<char> replica = root ? p.previous.state.replica_bytes() : std::vector<char>{};
    ctx->broadcast(replica);
    st.load_replica_bytes(replica);
    if (root) st.history = p.previous.state.history;
  } else {
    st = tr.initial_state();
  }

  if (root) {
    io::run_metadata meta;
    meta.program_version = esbio::version;
    meta.git_revision = esbio::git_revision;
    meta.config = cfg.text;
    // The network is part of what a run is: hashed in with the configuration text.
    meta.config_hash = train::config_hash(cfg.text) ^ (p.network_hash * 0x9e3779b97f4a7c15ull);
    meta.files = p.files;
    meta.network = p.network;
    meta.seed = cfg.seed;
    meta.ranks = ctx->size();
    meta.task = cfg.task;
    meta.method = cfg.method == train::training_method::bp ? "bp" : "es";
    meta.sundials_version = ode::sundials_version();
    meta.mpi_version = dist::mpi_library_version();
    meta.instruction_set = instruction_set();
    meta.start_time = resume ? p.previous.meta.start_time : now_utc();
    auto s = std::make_unique<run_file_sink>(a.out, meta, task->layout());
    s->completed(st);
    if (!resume) s->save(st, train::checkpoint_kind::running);
    sink = std::move(s);
    live_sink = sink.get();
    std::ostringstream method;
    if (cfg.method == train::training_method::bp)
      method << "bp (exact gradient)";
    else
      method << cfg.es.strategy << " S=" << cfg.es.population << " sigma=" << cfg.es.sigma;
    if (!quiet)
      std::cout << "esbio " << esbio::version << ": " << cfg.task << ", " << method.str() << ", "
                << task->layout().size() << " parameters, " << ctx->describe()
                << (resume ? ", resuming at generation " : ", from generation ") << st.generation
                << " to " << cfg.generations << std::endl;
  }

  const auto t0 = std::chrono::steady_clock::now();
  train::progress_fn on_progress;
  if (root && !quiet)
    on_progress = [](const train::history_row& row, const train::progress& pr) {
      std::cout << progress_line(row, pr) << std::endl;
    };
  if (root)
    tr.on_warning([](const std::string& w) { std::cerr << "esbio: warning: " << w << "\n"; });
  const auto read_before = array_bytes_read();
  const auto result = tr.run(st, sink.get(), on_progress, &signals.at_boundary());
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // What each rank read of the data files while training and its peak memory: a dataset larger
  // than memory is read in each rank's share, and this is where a user sees it.
  std::vector<double> per_rank(2 * static_cast<std::size_t>(ctx->size()), 0.0);
  std::vector<std::size_t> bounds(static_cast<std::size_t>(ctx->size()) + 1);
  for (std::size_t r = 0; r < bounds.size(); ++r) bounds[r] = 2 * r;
  per_rank[2 * static_cast<std::size_t>(ctx->rank())] =
      static_cast<double>(array_bytes_read() - read_before);
  per_rank[2 * static_cast<std::size_t>(ctx->rank()) + 1] = peak_memory_bytes();
  ctx->allgather(per_rank, bounds);

  if (result == train::outcome::stopped) {
    if (root)
      std::cerr << "esbio: stopped by a signal after generation " << st.generation
                << "; checkpoint written to " << a.out << " (continue with --resume)\n";
    return 3;
  }
  if (result == train::outcome::failed) {
    if (root) std::cerr << "esbio: error: " << tr.failure() << "\n";
    return 1;
  }
  if (root && !quiet && !p.files.empty()) {
    std::cout << "per rank: data read";
    for (int r = 0; r < ctx->size(); ++r)
      std::cout << (r ? ", " : " ") << format_bytes(per_rank[2 * static_cast<std::size_t>(r)]);
    std::cout << "; peak memory";
    for (int r = 0; r < ctx->size(); ++r)
      std::cout << (r ? ", " : " ") << format_bytes(per_rank[2 * static_cast<std::size_t>(r) + 1]);
    std::cout << std::endl;
  }
  if (root && !quiet)
    std::cout << "finished " << cfg.generations << " generations in " << format_duration(secs)
              << "; final loss " << (st.history.empty() ? 0.0 : st.history.back().loss)
              << "; wrote " << a.out << std::endl;
  return 0;
}

}  // namespace

int train_command(int& argc, char**& argv, const std::vector<std::string>& args) {
  urgent_state urgent;   // outlives the watcher thread, which may use it until it is joined
  stop_signals signals;  // before MPI starts its threads, so that they inherit the signal mask
  dist::mpi_session mpi(argc, argv);
  auto ctx = dist::make_mpi_context();
  const int code = train(*ctx, signals, urgent, args);
  // The outcome is settled (and said); a signal from here on (mpirun ending the job after another
  // rank's exit, say) must neither speak nor change the exit code.
  signals.on_urgent([code](int) { ::_exit(code); });
  return code;
}

}  // namespace esbio::cli
