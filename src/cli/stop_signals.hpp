#pragma once
// How `esbio train` stops on the signals schedulers and users send (README, "Signals"):
//
//   SIGUSR1          at the next generation boundary: the generation in flight finishes, every
//                    rank agrees to stop, a checkpoint is written and every rank exits 3.
//   SIGTERM, SIGINT  at once (a time limit or scancel leaves seconds, not a generation): rank 0
//                    writes the last completed generation, which it keeps in memory, and exits 3
//                    within a fraction of a second; other ranks exit 3 too (see on_urgent).
//
// The signals are blocked in every thread and taken by one watcher thread with sigwait(2), so
// the urgent path runs ordinary code (a mutex, an HDF5 write) instead of async-signal-unsafe work
// inside a handler. Construct it before MPI_Init, so that MPI's own threads inherit the mask.

#include <atomic>
#include <csignal>
#include <functional>
#include <mutex>
#include <thread>

namespace esbio::cli {

class stop_signals {
 public:
  stop_signals();
  ~stop_signals();
  stop_signals(const stop_signals&) = delete;
  stop_signals& operator=(const stop_signals&) = delete;

  // Set by SIGUSR1: stop at the next generation boundary.
  const std::atomic<bool>& at_boundary() const { return boundary_; }
  // What SIGTERM and SIGINT do, run on the watcher thread with the signal's number; it should not
  // return (it ends the process). Until one is set, an urgent signal ends the process with
  // 128 + signal, as the default action would.
  void on_urgent(std::function<void(int)> fn);

  // Whether an urgent signal has arrived in this process: a rank then treats a failing MPI call
  // (a peer that already exited) as part of the stop, not as an error of its own.
  static bool urgent_pending();

 private:
  void watch();

  sigset_t set_{}, old_{};
  std::atomic<bool> boundary_{false}, done_{false};
  std::mutex mutex_;
  std::function<void(int)> urgent_;
  std::thread watcher_;
};

}  // namespace esbio::cli
