#include "services/core/worker.h"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

namespace herald::core {

void GiveWayToOtherThreads() {
  const id_t self = static_cast<id_t>(gettid());
  errno = 0;
  const int now = getpriority(PRIO_PROCESS, self);
  if (errno == 0) setpriority(PRIO_PROCESS, self, std::min(now + 10, 19));
}

Worker::Worker(std::string name, Pass pass, Priority priority)
    : name_(std::move(name)), pass_(std::move(pass)), priority_(priority) {}

Worker::~Worker() { Stop(); }

void Worker::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Loop(); });
  pthread_setname_np(thread_.native_handle(), name_.substr(0, 15).c_str());
}

void Worker::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void Worker::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

bool Worker::stopping() const {
  std::lock_guard lock(mu_);
  return stopping_;
}

void Worker::Loop() {
  if (priority_ == Priority::kBackground) GiveWayToOtherThreads();
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      woken_ = false;
    }
    const std::chrono::milliseconds wait = pass_();
    std::unique_lock lock(mu_);
    if (wait.count() > 0) cv_.wait_for(lock, wait, [this] { return stopping_ || woken_; });
  }
}

}  // namespace herald::core
