#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace herald::api {

/// A fixed pool of threads for work that blocks (store calls), so that gRPC reactor
/// threads never wait. The queue is bounded: when it is full, Submit refuses and the
/// caller answers RESOURCE_EXHAUSTED instead of queueing without limit.
class BlockingExecutor {
 public:
  BlockingExecutor(int threads, size_t max_queued);
  BlockingExecutor(const BlockingExecutor&) = delete;
  BlockingExecutor& operator=(const BlockingExecutor&) = delete;
  /// Runs everything already submitted, then joins the threads.
  ~BlockingExecutor();

  /// False when the queue is full or the executor is shutting down.
  [[nodiscard]] bool Submit(std::function<void()> work);

  /// Stops taking work, finishes what is queued and joins. Idempotent.
  void Shutdown();

 private:
  void Loop();

  const size_t max_queued_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace herald::api
