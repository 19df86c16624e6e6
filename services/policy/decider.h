#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "services/core/clock.h"
#include "services/core/event.h"
#include "services/ingest/intake.h"
#include "services/policy/contact_policy.h"
#include "services/store/store.h"

namespace herald::policy {

/// The contact-policy and compose stages: takes PENDING notifications and DEFERRED
/// ones that are due, decides each with the current profile, template and contact
/// history, renders what is let through for its channel and each fallback (a channel
/// that does not render is dropped; none left: FAILED, RENDER_FAILED), and records
/// every decision (with its rule evaluations) and message durably. Deferred notifications
/// live in the store, so they survive a restart and are decided again when due, with
/// the rules as they are then (consent may have been withdrawn meanwhile).
///
/// One Decider per store: it is the only writer of decisions, so what it reads of a
/// customer's history plus what it decided in the same batch is what caps see.
class Decider {
 public:
  /// Reads a recorded event back: its message (for rendering) and its domain form
  /// (contact overrides, subject).
  using EventReader = std::function<absl::StatusOr<ingest::StoredEvent>(const store::EventRecord&)>;

  struct Options {
    /// Notifications decided per store transaction.
    int max_batch = 500;
    /// How long the worker sleeps when nothing is due and nobody woke it.
    std::chrono::milliseconds idle_wait{1000};
    /// How long it waits after a store error before trying again.
    std::chrono::milliseconds retry_wait{1000};
    /// The event type that starts the complaint cooldown.
    std::string complaint_event_type = "service.complaint_received";
    /// SMS parts allowed for templates that set no maximum.
    int default_max_sms_segments = 3;
  };

  Decider(store::Store& store, PolicyConfig config, EventReader read_event,
          const core::Clock& clock, prometheus::Registry& registry, Options options);
  Decider(const Decider&) = delete;
  Decider& operator=(const Decider&) = delete;
  ~Decider();

  /// A batch decided and not yet recorded.
  struct Batch {
    std::vector<core::Notification> work;
    std::vector<store::DecisionUpdate> updates;  // one per notification of work
  };

  /// Decides up to max_batch notifications due at the clock's now; returns how many
  /// it decided. An error means nothing of the batch was recorded.
  absl::StatusOr<int> RunOnce();
  /// Decides up to max_batch notifications due at the clock's now without recording
  /// them. `in_flight`: a batch decided before and perhaps not recorded yet; its
  /// notifications are not taken again and caps see its decisions.
  absl::StatusOr<Batch> DecideBatch(const Batch* in_flight = nullptr);
  /// Records a decided batch; returns how many of its decisions were applied (a
  /// notification changed meanwhile keeps its state). An error: none was.
  absl::StatusOr<int> RecordBatch(const Batch& batch);

  /// Decides on a worker thread until Stop(): at once when woken, when a deferred
  /// notification becomes due, or after idle_wait. The next batch is decided while
  /// the one before is being recorded.
  void Start();
  /// Finishes the batch in hand and joins the worker. Idempotent.
  void Stop();
  /// There may be new work (called by intake after it recorded something).
  void Wake();
  /// Called after a batch that queued something (e.g. to wake the dispatcher). Set
  /// before Start.
  void SetOnQueued(std::function<void()> on_queued) { on_queued_ = std::move(on_queued); }

  const PolicyConfig& config() const { return config_; }

 private:
  void Loop();
  /// Puts a decided notification into a customer's history as caps count it (not at
  /// all when suppressed or failed), in place of what the history had of it.
  static void SeeDecision(const core::Notification& n, const store::DecisionUpdate& update,
                          std::vector<core::Notification>& history);
  /// Until `wait` has passed, Wake() or Stop().
  void Sleep(std::chrono::milliseconds wait);
  /// How far back history matters: the longest cap window or duplicate window.
  std::chrono::seconds HistoryWindow() const;
  /// Renders a SEND decision's channels into `update`, dropping those that fail.
  /// `event_read`: why the stored event could not be read, if it could not.
  void Compose(const core::Notification& n, const v1::Event& event, const absl::Status& event_read,
               const core::Template& tmpl, const core::Profile* profile,
               const std::map<std::string, std::string>& snippets, core::Time now,
               PolicyResult& result, store::DecisionUpdate& update) const;

  /// Audience events (more than one customer) read lately, newest last; only
  /// DecideBatch, on one thread at a time, uses them. Stored events never change.
  static constexpr size_t kAudienceEventsKept = 4;
  std::deque<std::shared_ptr<const ingest::StoredEvent>> audience_events_;

  store::Store& store_;
  const PolicyConfig config_;
  const EventReader read_event_;
  const core::Clock& clock_;
  const Options options_;

  prometheus::Family<prometheus::Counter>& decisions_;
  prometheus::Gauge& deferred_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool woken_ = false;
  bool stopping_ = false;
  std::thread worker_;
  std::function<void()> on_queued_;
};

}  // namespace herald::policy
