// Intake's fan-out: an audience event split into per-customer work for the instances
// that own its customers (FanOut), and that work decided and recorded where it lands
// (SubmitFanout).
#include <spdlog/spdlog.h>

#include <algorithm>

#include "services/core/strings.h"
#include "services/ingest/intake.h"
#include "services/ingest/intake_parts.h"

namespace herald::ingest {
namespace {

// Events kept decoded for the work that names them: work of one audience arrives
// together, so a few suffice.
constexpr size_t kLoadedEventsKept = 16;

}  // namespace

struct Intake::LoadedEvent {
  /// The event as recorded, without its customers (each work item names one).
  core::Event event;
  /// When it was received: its notifications are made as of then, wherever they are.
  core::Time receive_time;
  std::shared_ptr<v1::Event> message;
  core::TraceId trace_id;
};

absl::Status Intake::FanOut(Pending& pending, Accepted& a, FanoutSink& sink) {
  IntakeOutcome& outcome = pending.outcomes_[a.index];
  const core::Event& e = a.record.event;
  int64_t seq = a.event_seq;
  if (!a.continued) {
    store::IntakeItem item;
    item.record = a.record;
    item.complete = false;  // until every customer is handed on
    absl::StatusOr<std::vector<store::IntakeResult>> recorded = store_.RecordIntake({item});
    if (!recorded.ok()) return recorded.status();
    if (recorded->at(0).duplicate) {  // recorded meanwhile by another caller
      outcome.kind = IntakeOutcome::Kind::kDuplicate;
      return absl::OkStatus();
    }
    seq = recorded->at(0).event_seq;
  }
  std::vector<FanoutWork> work;
  work.reserve(e.customer_ids.size());
  for (const std::string& customer : e.customer_ids) {
    work.push_back({seq, e.event_id, customer, a.append_time});
  }
  absl::Status handed = sink.Publish(work);
  if (!handed.ok()) return handed;
  store::IntakeItem done;
  done.record.event.event_id = e.event_id;
  done.continued = true;
  done.complete = true;
  absl::StatusOr<std::vector<store::IntakeResult>> completed = store_.RecordIntake({done});
  if (!completed.ok()) return completed.status();
  // Its notifications are made where its customers are owned (SubmitFanout).
  outcome.kind = IntakeOutcome::Kind::kRecorded;
  spdlog::info("msg=\"audience split over the instances\" event_id={} customers={}", e.event_id,
               work.size());
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const Intake::LoadedEvent>> Intake::LoadForFanout(
    int64_t event_seq) {
  {
    std::lock_guard lock(fanout_mu_);
    auto it = fanout_events_.find(event_seq);
    if (it != fanout_events_.end()) return it->second;
  }
  if (options_.events == nullptr) {
    return absl::FailedPreconditionError("intake: fan-out work without an event store");
  }
  absl::StatusOr<std::vector<std::optional<store::EventRecord>>> records =
      options_.events->GetEventsBySeq({event_seq});
  if (!records.ok()) return records.status();
  if (!records->at(0)) return nullptr;
  absl::StatusOr<StoredEvent> stored = ReadStoredEvent(*records->at(0));
  if (!stored.ok()) return stored.status();
  auto loaded = std::make_shared<LoadedEvent>();
  loaded->event = std::move(stored->event);
  loaded->receive_time = records->at(0)->receive_time;
  loaded->trace_id = records->at(0)->trace_id;
  loaded->event.customer_ids.clear();
  loaded->event.customer_ids.shrink_to_fit();
  // The audience is not what the later stages render from: leave it out of the copy
  // they keep.
  stored->message.clear_audience();
  loaded->message = std::make_shared<v1::Event>(std::move(stored->message));
  std::lock_guard lock(fanout_mu_);
  if (fanout_events_.size() >= kLoadedEventsKept) fanout_events_.erase(fanout_events_.begin());
  fanout_events_.emplace(event_seq, loaded);
  return loaded;
}

absl::StatusOr<std::vector<IntakeOutcome>> Intake::ProcessFanout(
    const std::vector<std::optional<FanoutWork>>& work, std::string_view via) {
  absl::StatusOr<std::unique_ptr<Pending>> pending = SubmitFanout(work, via);
  if (!pending.ok()) return pending.status();
  return (*pending)->Wait();
}

absl::StatusOr<std::unique_ptr<Intake::Pending>> Intake::SubmitFanout(
    const std::vector<std::optional<FanoutWork>>& work, std::string_view via,
    std::function<void()> on_written) {
  std::unique_ptr<Pending> pending(new Pending(*this, std::string(via)));
  pending->on_written_ = std::move(on_written);
  pending->outcomes_.resize(work.size());
  absl::StatusOr<std::shared_ptr<const store::TemplateCatalog::View>> catalog =
      templates_.Refresh();
  if (!catalog.ok()) return catalog.status();
  std::vector<Accepted*> accepted;
  accepted.reserve(work.size());
  for (size_t i = 0; i < work.size(); ++i) {
    IntakeOutcome& outcome = pending->outcomes_[i];
    if (!work[i]) {
      outcome.rejection = Rejection{RejectReason::kMalformedProtobuf, "",
                                    "not a fan-out record this version of heraldd writes"};
      continue;
    }
    const FanoutWork& w = *work[i];
    outcome.event_id = w.event_id;
    outcome.customers = 1;
    absl::StatusOr<std::shared_ptr<const LoadedEvent>> loaded = LoadForFanout(w.event_seq);
    if (!loaded.ok()) return loaded.status();
    if (*loaded == nullptr || (*loaded)->event.event_id != w.event_id) {
      outcome.rejection = Rejection{RejectReason::kInvalidEventId, "event_id",
                                    core::StrCat("the event ", w.event_id, " (number ", w.event_seq,
                                                 ") this fan-out record names is not recorded")};
      continue;
    }
    auto a = std::make_unique<Accepted>();
    a->index = i;
    a->append_time = w.append_time;
    a->record.event = (*loaded)->event;
    a->record.event.customer_ids = {w.customer_id};
    a->record.receive_time = (*loaded)->receive_time;
    a->record.trace_id = (*loaded)->trace_id;
    a->message = (*loaded)->message;
    a->continued = true;
    a->fanned = true;
    a->event_seq = w.event_seq;
    auto templates = (*catalog)->ForEventType(a->record.event.event_type);
    if (!templates.ok()) return templates.status();
    a->templates = *std::move(templates);
    accepted.push_back(a.get());
    pending->accepted_.push_back(std::move(a));
  }
  absl::Status submitted = SubmitInParts(*pending, accepted);
  if (!submitted.ok()) return submitted;
  return pending;
}

}  // namespace herald::ingest
