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

  /// `name` names the thread (in ps, perf and gdb; at most 15 characters are kept).
  Worker(std::string name, Pass pass);
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
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool woken_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace herald::core
