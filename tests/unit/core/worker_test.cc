#include "services/core/worker.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <future>

namespace herald::core {
namespace {

// The niceness of the thread a worker of `priority` runs its passes on.
int NiceOfPasses(Worker::Priority priority) {
  std::promise<int> nice;
  bool reported = false;
  Worker worker(
      "nice-test",
      [&] {
        if (!reported) {
          reported = true;
          nice.set_value(getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())));
        }
        return std::chrono::milliseconds(1000);
      },
      priority);
  worker.Start();
  const int value = nice.get_future().get();
  worker.Stop();
  return value;
}

TEST(Worker, ABackgroundWorkerGivesWayAndTheOthersDoNot) {
  const int process = getpriority(PRIO_PROCESS, 0);
  EXPECT_EQ(NiceOfPasses(Worker::Priority::kNormal), process);
  EXPECT_EQ(NiceOfPasses(Worker::Priority::kBackground), std::min(process + 10, 19));
  // The thread that started them keeps its own.
  EXPECT_EQ(getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())), process);
}

}  // namespace
}  // namespace herald::core
