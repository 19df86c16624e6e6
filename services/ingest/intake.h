#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "herald/v1/event.pb.h"
#include "services/core/clock.h"
#include "services/ingest/event_validator.h"
#include "services/ingest/rejection.h"
#include "services/store/store.h"

namespace herald::ingest {

/// An event's bytes as they arrived, with where they came from.
struct RawEvent {
  std::string_view body;
  std::string_view content_type;
  std::string origin;  // e.g. "kafka herald.orders/2@1234"
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

/// The front of the pipeline, shared by Kafka and gRPC: decodes, validates, fans an
/// event out to one pending notification per customer and template it triggers (one
/// with no template when it triggers none), and records the event with its
/// notifications durably and idempotently (a known event id creates nothing new).
class Intake {
 public:
  Intake(store::ProfileStore& profiles, store::TemplateStore& templates,
         store::NotificationStore& notifications, const core::Clock& clock, EventLimits limits,
         prometheus::Registry& registry);

  /// Called after a batch recorded something (the next stage may have work); set
  /// before the first Process call.
  void SetOnRecorded(std::function<void()> on_recorded) { on_recorded_ = std::move(on_recorded); }

  /// Processes a batch; `via` labels metrics ("kafka", "grpc"). Rejections are
  /// outcomes. An error means nothing of the batch was recorded: retry it.
  absl::StatusOr<std::vector<IntakeOutcome>> Process(const std::vector<RawEvent>& batch,
                                                     std::string_view via);

  /// The same for events already parsed (gRPC).
  absl::StatusOr<std::vector<IntakeOutcome>> ProcessParsed(
      const std::vector<const v1::Event*>& events, std::string_view via);

  const EventLimits& limits() const { return limits_; }

 private:
  struct Candidate {
    std::variant<v1::Event, Rejection> parsed;
    std::string content_type;
    std::string body;
    std::string origin;
  };

  absl::StatusOr<std::vector<IntakeOutcome>> Run(std::vector<Candidate> candidates,
                                                 std::string_view via);
  void Count(std::string_view via, const std::vector<IntakeOutcome>& outcomes);

  store::ProfileStore& profiles_;
  store::TemplateStore& templates_;
  store::NotificationStore& notifications_;
  const core::Clock& clock_;
  const EventLimits limits_;
  prometheus::Family<prometheus::Counter>& events_;
  prometheus::Family<prometheus::Counter>& rejected_;
  prometheus::Family<prometheus::Counter>& notifications_created_;
  std::function<void()> on_recorded_;
};

/// A recorded event read back: the message as received and its domain form.
struct StoredEvent {
  v1::Event message;
  core::Event event;
};

/// Reads an event back as it was recorded (for the later stages, which see only the
/// store). INTERNAL when the stored bytes no longer decode or validate.
absl::StatusOr<StoredEvent> ReadStoredEvent(const store::EventRecord& record);

}  // namespace herald::ingest
