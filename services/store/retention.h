#pragma once

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <chrono>
#include <memory>

#include "services/core/clock.h"
#include "services/core/worker.h"
#include "services/store/privacy_store.h"

namespace herald::store {

/// The retention job: in the background, in small batches (short transactions that do
/// not hold up the work notifications wait on), removes the content of notifications
/// older than `content_after` and deletes notifications older than `records_after`.
/// Several instances on one store may run it together.
class Retention {
 public:
  struct Options {
    /// Messages' addresses and bodies go after this; 0 keeps them.
    std::chrono::milliseconds content_after = std::chrono::hours(24 * 90);
    /// Notifications with their decisions go after this; 0 keeps them.
    std::chrono::milliseconds records_after = std::chrono::hours(24 * 400);
    int batch_size = 500;
    /// Between passes once nothing is left to do.
    std::chrono::milliseconds interval = std::chrono::minutes(1);
  };

  Retention(PrivacyStore& store, const core::Clock& clock, Options options,
            prometheus::Registry& registry);
  ~Retention();

  /// One pass: batches until nothing is due or a pass's share is done; how long to wait
  /// before the next (0: more is due).
  std::chrono::milliseconds RunOnce();

  void Start();
  void Stop();

 private:
  PrivacyStore& store_;
  const core::Clock& clock_;
  const Options options_;
  prometheus::Counter& content_purged_;
  prometheus::Counter& notifications_deleted_;
  prometheus::Counter& failures_;
  std::unique_ptr<core::Worker> worker_;
};

}  // namespace herald::store
