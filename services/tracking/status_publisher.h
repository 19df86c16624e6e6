#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <chrono>
#include <functional>
#include <mutex>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/core/clock.h"
#include "services/core/worker.h"
#include "services/store/store.h"

namespace herald::tracking {

/// Puts every state change in the store's status outbox on the status topic, in the
/// order they were stored, at least once: a batch is acknowledged to the store (and
/// forgotten there) only after `publish` said the topic has all of it. A crash or a
/// broker outage means the batch is published again later, never that a change is
/// lost.
class StatusPublisher {
 public:
  /// Returns OK only when every change is durably on the topic, within `limit`.
  using Publish = std::function<absl::Status(const std::vector<store::StatusChange>&,
                                             std::chrono::milliseconds limit)>;

  struct Options {
    /// Changes per publish (whole batches of the change log, so that none is read
    /// twice: as many as intake commits at a time), and how long one may take.
    int max_batch = 10'000;
    std::chrono::milliseconds publish_limit{5'000};
    /// How long the worker sleeps when the outbox was empty and nobody woke it.
    std::chrono::milliseconds idle_wait{200};
    /// After a failure; doubles with each further failure, up to max_retry_wait.
    std::chrono::milliseconds retry_wait{500};
    std::chrono::milliseconds max_retry_wait{30'000};
    /// How long Stop may go on publishing the last changes.
    std::chrono::milliseconds stop_drain{5'000};
  };

  StatusPublisher(store::ChangeLog& store, Publish publish, const core::Clock& clock,
                  prometheus::Registry& registry, Options options);
  StatusPublisher(const StatusPublisher&) = delete;
  StatusPublisher& operator=(const StatusPublisher&) = delete;
  ~StatusPublisher();

  /// Publishes one batch from the outbox and acknowledges it; returns how many
  /// changes went out (0: the outbox is empty).
  absl::StatusOr<int> PublishOnce() { return PublishOnce(options_.publish_limit); }

  void Start();
  /// Joins the worker, then publishes what the outbox holds for up to stop_drain;
  /// what is left stays in the outbox for the next start. Idempotent.
  void Stop();

 private:
  absl::StatusOr<int> PublishOnce(std::chrono::milliseconds limit);
  /// The worker's pass: one batch, then how long to wait.
  std::chrono::milliseconds Pass();

  store::ChangeLog& store_;
  const Publish publish_;
  const core::Clock& clock_;
  const Options options_;
  prometheus::Counter& published_;
  prometheus::Counter& failures_;
  /// How old the oldest change waiting in the outbox is (0: none waits).
  prometheus::Gauge& oldest_age_;

  /// The wait after the next failure (the worker's own).
  std::chrono::milliseconds backoff_;
  std::mutex mu_;
  bool stopped_ = false;
  core::Worker worker_;
};

}  // namespace herald::tracking
