#include "run_file_sink.hpp"

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>

namespace esbio::cli {

run_file_sink::run_file_sink(std::string path, io::run_metadata meta, param_layout layout)
    : path_(std::move(path)), meta_(std::move(meta)), layout_(std::move(layout)) {}

void run_file_sink::save(const train::train_state& st, train::checkpoint_kind kind) {
  const std::lock_guard lock(mutex_);
  meta_.status = to_string(kind);
  io::write_run_file(path_, meta_, layout_, st);
  switch (kind) {
    case train::checkpoint_kind::finished:
      final_code_ = 0;
      break;
    case train::checkpoint_kind::stopped:
      final_code_ = 3;
      break;
    case train::checkpoint_kind::failed:
      final_code_ = 1;
      break;
    case train::checkpoint_kind::running:
      break;
  }
}

void run_file_sink::completed(const train::train_state& st) {
  const std::lock_guard lock(mutex_);
  snapshot_.theta = st.theta;
  snapshot_.optimizer = st.optimizer;
  snapshot_.generation = st.generation;
  // The history only grows during a run: append what is new instead of copying it all.
  if (snapshot_.history.size() > st.history.size()) snapshot_.history.clear();
  snapshot_.history.insert(
      snapshot_.history.end(),
      st.history.begin() + static_cast<std::ptrdiff_t>(snapshot_.history.size()), st.history.end());
  have_snapshot_ = true;
}

void run_file_sink::urgent_stop(int signal) {
  // Held until the process ends: no checkpoint of the main thread can start after this one.
  mutex_.lock();
  std::fflush(stdout);
  if (final_code_ >= 0) ::_exit(final_code_);
  const char* name = signal == SIGINT ? "SIGINT" : "SIGTERM";
  char line[1024];
  int code = 3;
  if (!have_snapshot_) {
    std::snprintf(line, sizeof line, "esbio: stopped by %s before the run began; %s is unchanged\n",
                  name, path_.c_str());
    code = 1;
  } else {
    try {
      meta_.status = "stopped";
      io::write_run_file(path_, meta_, layout_, snapshot_);
      std::snprintf(line, sizeof line,
                    "esbio: stopped by %s after generation %u; checkpoint written to %s "
                    "(continue with --resume)\n",
                    name, snapshot_.generation, path_.c_str());
    } catch (const std::exception& e) {
      std::snprintf(line, sizeof line, "esbio: error: stopped by %s, but %s\n", name, e.what());
      code = 1;
    }
  }
  const auto written = ::write(STDERR_FILENO, line, std::strlen(line));
  (void)written;
  ::_exit(code);
}

}  // namespace esbio::cli
