#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "herald/v1/event.pb.h"
#include "services/core/clock.h"
#include "services/core/trace.h"
#include "services/ingest/event_validator.h"
#include "services/ingest/fanout.h"
#include "services/ingest/rejection.h"
#include "services/policy/decider.h"
#include "services/store/store.h"
#include "services/store/template_catalog.h"

namespace herald::ingest {

/// An event's bytes as they arrived, with where they came from.
struct RawEvent {
  std::string_view body;
  std::string_view content_type;
  std::string origin;  // e.g. "kafka herald.orders/2@1234"
  /// When it was appended to its topic (the broker's or the producer's timestamp);
  /// unset: when intake took it.
  std::optional<core::Time> append_time = std::nullopt;
  /// The W3C traceparent it came with (a Kafka header); "" or invalid: a new trace.
  std::string traceparent = {};
};

/// What became of one event.
struct IntakeOutcome {
  enum class Kind { kRecorded, kDuplicate, kRejected };
  Kind kind = Kind::kRejected;
  std::string event_id;  // when it could be read
  int customers = 0;
  int notifications_created = 0;
  std::optional<Rejection> rejection;  // for kRejected
};

/// An event recorded just now, as it was decoded: later stages take it from here
/// rather than reading it back and decoding it again.
struct AcceptedEvent {
  int64_t seq = 0;
  /// With the contact overrides as validation normalised them.
  std::shared_ptr<const v1::Event> message;
};

/// What one transaction of intake recorded, for the stages after it.
struct Recorded {
  bool queued = false;    // something waits for the dispatcher
  bool deferred = false;  // something waits for its time
  std::vector<AcceptedEvent> events;
  /// What was queued, due at once, as recorded (seq set, without the decision): the
  /// dispatcher can hand it off without reading it back.
  std::vector<core::Notification> queued_notifications;
};

/// The front of the pipeline, shared by Kafka and gRPC: decodes and validates each
/// event once, fans it out to one notification per customer and template it triggers
/// (one with no template when it triggers none), decides each with the contact policy
/// and records the event with its decided notifications in one durable transaction,
/// idempotently (a known event id creates nothing new). An audience larger than
/// `max_part` is recorded in parts of that many; a crash between parts leaves the
/// event partial, and the next time it comes the rest is added.
///
/// Submit returns as soon as a batch is decided and handed to the store: the caller
/// may decide the next batch while this one is being written (the policy counts what
/// is on its way). Process is Submit and Wait.
class Intake {
 public:
  struct Options {
    /// Notifications decided and recorded per transaction, at most (an audience is
    /// cut into parts of this size; smaller events share one transaction).
    int max_part = 5000;
    /// Where an audience of at least fanout_min_audience customers is split to, one
    /// work item per customer, for the instance that owns the customer to decide
    /// (SubmitFanout); null or 0: every audience is decided here.
    FanoutSink* fanout = nullptr;
    size_t fanout_min_audience = 0;
    /// Where SubmitFanout reads the events its work names.
    store::EventStore* events = nullptr;
  };

  /// A batch decided and on its way to the store.
  class Pending;

  Intake(store::IntakeStore& store, store::TemplateCatalog& templates, policy::Decider& decider,
         const core::Clock& clock, EventLimits limits, prometheus::Registry& registry,
         Options options);
  ~Intake();

  /// From now on audiences of at least `min_audience` customers are split to `sink`
  /// (null or 0: none); set before Kafka is consumed.
  void SetFanout(FanoutSink* sink, size_t min_audience) {
    fanout_min_audience_.store(min_audience);
    fanout_.store(sink);
  }

  /// Called after each transaction that recorded something, from the thread that
  /// waits for it; set before the first Process call.
  void SetOnRecorded(std::function<void(Recorded)> on_recorded) {
    on_recorded_ = std::move(on_recorded);
  }

  /// Decides a batch and hands it to the store; `via` labels metrics ("kafka",
  /// "grpc"). An error means nothing of it was handed over. `on_written` (when set) is
  /// called, on the store's thread, as each of its transactions is done: Ready may
  /// have changed.
  absl::StatusOr<std::unique_ptr<Pending>> Submit(const std::vector<RawEvent>& batch,
                                                  std::string_view via,
                                                  std::function<void()> on_written = nullptr);
  /// The same for events already parsed (gRPC).
  absl::StatusOr<std::unique_ptr<Pending>> SubmitParsed(const std::vector<const v1::Event*>& events,
                                                        std::string_view via,
                                                        std::string_view traceparent = {});

  /// Decides and records the notifications of audience customers another instance (or
  /// this one) split off (FanoutWork), as Submit does for events: one outcome per item,
  /// a nullopt item (not a fan-out record) rejected. Each event is read once and kept
  /// while its work comes.
  absl::StatusOr<std::unique_ptr<Pending>> SubmitFanout(
      const std::vector<std::optional<FanoutWork>>& work, std::string_view via,
      std::function<void()> on_written = nullptr);
  absl::StatusOr<std::vector<IntakeOutcome>> ProcessFanout(
      const std::vector<std::optional<FanoutWork>>& work, std::string_view via);

  /// Submit, then Wait: rejections are outcomes; an error means the batch must be
  /// processed again (what was recorded of it is then a duplicate, or the rest of a
  /// partial audience).
  absl::StatusOr<std::vector<IntakeOutcome>> Process(const std::vector<RawEvent>& batch,
                                                     std::string_view via);
  /// `traceparent`: the W3C traceparent the call came with (gRPC metadata), for every
  /// event of it; "" or invalid: a new trace each.
  absl::StatusOr<std::vector<IntakeOutcome>> ProcessParsed(
      const std::vector<const v1::Event*>& events, std::string_view via,
      std::string_view traceparent = {});

  const EventLimits& limits() const { return limits_; }

 private:
  struct Candidate {
    std::variant<v1::Event, Rejection> parsed;
    std::string content_type;
    std::string body;
    std::string origin;
    std::optional<core::Time> append_time;
    core::TraceId trace_id;
  };
  struct Accepted;
  struct Part;
  /// Parts of one batch handed to the store and not written yet, at most.
  static constexpr size_t kPartsInFlight = 2;

  absl::StatusOr<std::unique_ptr<Pending>> Run(std::vector<Candidate> candidates,
                                               std::string_view via,
                                               std::function<void()> on_written);
  /// Cuts the events' customers into parts and hands each to SubmitPart.
  absl::Status SubmitInParts(Pending& pending, const std::vector<Accepted*>& accepted);
  /// Fans out, decides and hands one part to the store.
  absl::Status SubmitPart(Pending& pending, Part part);
  /// Records an audience event and hands its customers to options_.fanout, then marks
  /// it complete (read again before that, it is split again: the work is idempotent).
  absl::Status FanOut(Pending& pending, Accepted& accepted, FanoutSink& sink);
  struct LoadedEvent;
  /// The events fan-out work names, read (and decoded) once.
  absl::StatusOr<std::shared_ptr<const LoadedEvent>> LoadForFanout(int64_t event_seq);
  /// Once its transaction is durable: its events' outcomes, metrics, the next stages.
  void Complete(Pending& pending, Part& part, std::vector<store::IntakeResult>& results);
  void Count(std::string_view via, const std::vector<IntakeOutcome>& outcomes);

  /// Held from deciding a part to handing it to the store.
  std::mutex decide_mu_;
  std::mutex fanout_mu_;
  std::map<int64_t, std::shared_ptr<const LoadedEvent>> fanout_events_;
  store::IntakeStore& store_;
  store::TemplateCatalog& templates_;
  policy::Decider& decider_;
  const core::Clock& clock_;
  const EventLimits limits_;
  const Options options_;
  /// options_.fanout, or what SetFanout set (the gRPC API may take events meanwhile).
  std::atomic<FanoutSink*> fanout_;
  std::atomic<size_t> fanout_min_audience_;
  prometheus::Family<prometheus::Counter>& events_;
  prometheus::Family<prometheus::Counter>& rejected_;
  prometheus::Counter& notifications_created_;
  /// herald_append_to_decision_seconds by the channel decided (none: not let through).
  std::map<std::string, prometheus::Histogram*, std::less<>> append_to_decision_;
  std::function<void(Recorded)> on_recorded_;
};

/// A batch decided and on its way to the store: the policy counts its decisions until
/// it is destroyed. Destroying it waits for its writes (they cannot be taken back).
class Intake::Pending {
 public:
  ~Pending();
  /// Whether Wait would not block.
  bool Ready() const;
  /// The outcomes once every part is durable; an error when one is not.
  absl::StatusOr<std::vector<IntakeOutcome>> Wait();

 private:
  friend class Intake;
  Pending(Intake& intake, std::string via);

  Intake& intake_;
  const std::string via_;
  std::function<void()> on_written_;
  std::vector<IntakeOutcome> outcomes_;
  /// Stable: parts point into it.
  std::vector<std::unique_ptr<Accepted>> accepted_;
  std::vector<std::unique_ptr<Part>> parts_;
  bool waited_ = false;
};

/// A recorded event read back: the message as received and its domain form.
struct StoredEvent {
  v1::Event message;
  core::Event event;
};

/// Reads an event back as it was recorded (for the later stages, when intake's copy is
/// gone). INTERNAL when the stored bytes no longer decode or validate.
absl::StatusOr<StoredEvent> ReadStoredEvent(const store::EventRecord& record);

}  // namespace herald::ingest
