#include "services/tracking/status_publisher.h"

#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

namespace herald::tracking {

StatusPublisher::StatusPublisher(store::ChangeLog& store, Publish publish, const core::Clock& clock,
                                 prometheus::Registry& registry, Options options)
    : store_(store),
      publish_(std::move(publish)),
      clock_(clock),
      options_(options),
      published_(prometheus::BuildCounter()
                     .Name("herald_status_changes_published_total")
                     .Help("State changes put on the status topic (again after a failure)")
                     .Register(registry)
                     .Add({})),
      failures_(prometheus::BuildCounter()
                    .Name("herald_status_publish_failures_total")
                    .Help("Batches of state changes that could not be published or "
                          "acknowledged and wait to be published again")
                    .Register(registry)
                    .Add({})),
      oldest_age_(prometheus::BuildGauge()
                      .Name("herald_status_outbox_oldest_seconds")
                      .Help("Age of the oldest state change not yet on the status topic "
                            "(0: none waits); grows while the topic cannot be reached")
                      .Register(registry)
                      .Add({})),
      backoff_(options.retry_wait),
      worker_(
          "status", [this] { return Pass(); }, core::Worker::Priority::kBackground) {}

StatusPublisher::~StatusPublisher() { Stop(); }

absl::StatusOr<int> StatusPublisher::PublishOnce(std::chrono::milliseconds limit) {
  absl::StatusOr<std::vector<store::StatusChange>> changes =
      store_.ListStatusOutbox(options_.max_batch);
  if (!changes.ok()) return changes.status();
  if (changes->empty()) {
    oldest_age_.Set(0);
    return 0;
  }
  oldest_age_.Set(std::max(
      0.0, std::chrono::duration<double>(clock_.Now() - changes->front().change_time).count()));
  absl::Status status = publish_(*changes, limit);
  if (status.ok()) status = store_.AckStatusOutbox(changes->back().sequence);
  if (!status.ok()) {
    failures_.Increment();
    return status;
  }
  published_.Increment(static_cast<double>(changes->size()));
  return static_cast<int>(changes->size());
}

void StatusPublisher::Start() { worker_.Start(); }

void StatusPublisher::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  worker_.Stop();
  // What the last moments changed; a failure leaves it for the next start.
  const auto deadline = std::chrono::steady_clock::now() + options_.stop_drain;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left <= std::chrono::milliseconds(0)) return;
    absl::StatusOr<int> sent = PublishOnce(std::min(left, options_.publish_limit));
    if (!sent.ok()) {
      spdlog::warn(
          "msg=\"state changes left in the status outbox; published at the next start\" "
          "error=\"{}\"",
          sent.status().ToString());
      return;
    }
    if (*sent == 0) return;
  }
}

std::chrono::milliseconds StatusPublisher::Pass() {
  absl::StatusOr<int> sent = PublishOnce();
  if (!sent.ok()) {
    spdlog::warn("msg=\"publishing state changes failed; will retry\" wait_ms={} error=\"{}\"",
                 backoff_.count(), sent.status().ToString());
    const std::chrono::milliseconds wait = backoff_;
    backoff_ = std::min(backoff_ * 2, options_.max_retry_wait);
    return wait;
  }
  backoff_ = options_.retry_wait;
  // A full batch: more may be waiting.
  return *sent == options_.max_batch ? std::chrono::milliseconds(0) : options_.idle_wait;
}

}  // namespace herald::tracking
