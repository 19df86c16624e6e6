#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace herald::core {

/// A background loop on a thread of its own, as every stage runs one: a pass of work,
/// then a wait until the pass said, a Wake() or Stop(). Stop() lets the pass in hand
/// finish and joins.
class Worker {
 public:
  /// Does one pass of work; returns how long to wait before the next (0: at once).
  using Pass = std::function<std::chrono::milliseconds()>;
  /// kBackground: work no notification waits on (the status topic); its thread gives
  /// way to the others when the CPU is short (GiveWayToOtherThreads).
  enum class Priority { kNormal, kBackground };

  /// `name` names the thread (in ps, perf and gdb; at most 15 characters are kept).
  Worker(std::string name, Pass pass, Priority priority = Priority::kNormal);
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;
  ~Worker();

  void Start();
  /// The next pass starts at once (after the one in hand).
  void Wake();
  /// Idempotent.
  void Stop();
  /// Whether Stop() was called: a long pass may end early.
  bool stopping() const;

 private:
  void Loop();

  const std::string name_;
  const Pass pass_;
  const Priority priority_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool woken_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

/// Lowers the calling thread's priority (nice +10, Linux's per-thread niceness), so that
/// when the CPU is short the threads a notification waits on run first. Best effort.
void GiveWayToOtherThreads();

}  // namespace herald::core
