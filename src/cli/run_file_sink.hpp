#pragma once
// Rank 0's checkpoint sink: every checkpoint the trainer asks for goes to the run file, and the
// state after every completed generation is kept in memory, so that an urgent stop (SIGTERM)
// can write it at once from the signal watcher thread. One mutex orders the two threads' writes:
// the run file is only ever written by one of them at a time, whole.

#include <mutex>
#include <string>

#include "esbio/io/run_file.hpp"
#include "esbio/train/trainer.hpp"

namespace esbio::cli {

class run_file_sink final : public train::checkpoint_sink {
 public:
  run_file_sink(std::string path, io::run_metadata meta, param_layout layout);

  void save(const train::train_state& st, train::checkpoint_kind kind) override;
  void completed(const train::train_state& st) override;

  // On the watcher thread, for SIGTERM / SIGINT: write the last completed generation with status
  // `stopped`, say so in one line and end the process with exit code 3 (1 if the write failed).
  // After the run's last checkpoint (finished, stopped or failed) it only ends the process, with
  // that checkpoint's exit code, so a late signal never rewrites a finished run.
  [[noreturn]] void urgent_stop(int signal);

 private:
  std::string path_;
  io::run_metadata meta_;
  param_layout layout_;
  std::mutex mutex_;
  train::train_state snapshot_;
  bool have_snapshot_ = false;
  int final_code_ = -1;  // exit code once a terminal checkpoint is written
};

}  // namespace esbio::cli
