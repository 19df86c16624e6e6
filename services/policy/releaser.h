#pragma once

#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <chrono>
#include <functional>

#include "absl/status/statusor.h"
#include "services/core/clock.h"
#include "services/core/event.h"
#include "services/core/ownership.h"
#include "services/core/worker.h"
#include "services/policy/decider.h"
#include "services/store/store.h"
#include "services/store/template_catalog.h"

namespace herald::policy {

/// Decides deferred notifications again when they are due, with every rule as it is
/// then (a consent withdrawn meanwhile suppresses them), and records the decisions.
/// Deferred notifications live in the store, so they survive a restart. With several
/// instances, each releases those of the customers it owns now (Options::ownership).
class Releaser {
 public:
  /// Reads a recorded event back as the policy sees it (contact overrides, subject).
  using EventReader = std::function<absl::StatusOr<core::Event>(const store::EventRecord&)>;

  struct Options {
    /// Notifications decided per store transaction.
    int max_batch = 500;
    /// How long the worker sleeps when nothing is due and nobody woke it.
    std::chrono::milliseconds idle_wait{1000};
    /// How long it waits after a store error before trying again.
    std::chrono::milliseconds retry_wait{1000};
    /// Which customers this instance owns now (several instances on one store): only
    /// theirs are released here. nullptr: every customer.
    const core::Ownership* ownership = nullptr;
  };

  Releaser(store::DeferralStore& store, store::EventStore& events,
           store::TemplateCatalog& templates, Decider& decider, EventReader read_event,
           const core::Clock& clock, prometheus::Registry& registry, Options options);
  Releaser(const Releaser&) = delete;
  Releaser& operator=(const Releaser&) = delete;
  ~Releaser() { Stop(); }

  /// Decides up to max_batch notifications due at the clock's now and records them;
  /// returns how many decisions applied.
  absl::StatusOr<int> RunOnce();

  /// Decides on a worker thread until Stop(): when a deferral becomes due, when woken,
  /// or after idle_wait.
  void Start() { worker_.Start(); }
  void Stop() { worker_.Stop(); }
  /// A deferral may be due sooner than the worker thinks (intake deferred one).
  void Wake() { worker_.Wake(); }
  /// Called after a pass that queued something (to wake the dispatcher). Set before
  /// Start.
  void SetOnQueued(std::function<void()> on_queued) { on_queued_ = std::move(on_queued); }

 private:
  std::chrono::milliseconds Pass();
  std::optional<core::OwnedPartitions> Owned() const;

  store::DeferralStore& store_;
  store::EventStore& events_;
  store::TemplateCatalog& templates_;
  Decider& decider_;
  const EventReader read_event_;
  const core::Clock& clock_;
  const Options options_;
  prometheus::Gauge& deferred_;
  std::chrono::steady_clock::time_point next_gauge_update_;
  std::function<void()> on_queued_;
  core::Worker worker_;
};

}  // namespace herald::policy
