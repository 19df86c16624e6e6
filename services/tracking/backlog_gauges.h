#pragma once

#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <chrono>
#include <map>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "services/core/clock.h"
#include "services/core/worker.h"
#include "services/store/store.h"

namespace herald::tracking {

/// The work not done yet, as gauges read from the store every `interval`:
///   herald_notifications{state, channel}: PENDING, DEFERRED, QUEUED, SENDING and
///     UNKNOWN notifications by channel ("none" before one is chosen);
///   herald_outbox_oldest_seconds: how long the oldest QUEUED notification has waited
///     for its hand-off since the policy let it go (0: none waits);
///   herald_deferred_overdue_seconds: how long past its time the DEFERRED notification
///     due first is (0: none is overdue).
/// The store's whole content: every instance sharing a store reports the same (take
/// the max, not the sum, across instances).
class BacklogGauges {
 public:
  BacklogGauges(store::NotificationQueries& store, const core::Clock& clock,
                prometheus::Registry& registry,
                std::chrono::milliseconds interval = std::chrono::seconds(10));
  ~BacklogGauges();

  /// Reads the store once and sets the gauges.
  absl::Status Update();
  void Start() { worker_.Start(); }
  void Stop() { worker_.Stop(); }

 private:
  store::NotificationQueries& store_;
  const core::Clock& clock_;
  const std::chrono::milliseconds interval_;
  prometheus::Family<prometheus::Gauge>& notifications_;
  prometheus::Gauge& oldest_;
  prometheus::Gauge& overdue_;
  /// Every state and channel reported so far: set to 0 when they have none.
  std::map<std::pair<std::string, std::string>, prometheus::Gauge*> seen_;
  core::Worker worker_;
};

}  // namespace herald::tracking
