#include "stop_signals.hpp"

#include <pthread.h>
#include <unistd.h>

namespace esbio::cli {

namespace {
std::atomic<bool> urgent_seen{false};
}

stop_signals::stop_signals() {
  sigemptyset(&set_);
  for (int s : {SIGTERM, SIGINT, SIGUSR1}) sigaddset(&set_, s);
  pthread_sigmask(SIG_BLOCK, &set_, &old_);
  watcher_ = std::thread([this] { watch(); });
}

stop_signals::~stop_signals() {
  done_ = true;
  pthread_kill(watcher_.native_handle(), SIGUSR1);  // wake sigwait; done_ tells it to leave
  watcher_.join();
  pthread_sigmask(SIG_SETMASK, &old_, nullptr);
}

void stop_signals::on_urgent(std::function<void(int)> fn) {
  const std::lock_guard lock(mutex_);
  urgent_ = std::move(fn);
}

bool stop_signals::urgent_pending() {
  return urgent_seen.load();
}

void stop_signals::watch() {
  while (true) {
    int sig = 0;
    if (sigwait(&set_, &sig) != 0) continue;
    if (done_) return;
    if (sig == SIGUSR1) {
      boundary_ = true;
      continue;
    }
    urgent_seen = true;
    std::function<void(int)> fn;
    {
      const std::lock_guard lock(mutex_);
      fn = urgent_;
    }
    if (fn) fn(sig);
    ::_exit(128 + sig);
  }
}

}  // namespace esbio::cli
