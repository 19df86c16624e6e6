#include "services/ingest/intake.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "services/core/latency_buckets.h"
#include "services/core/notification.h"
#include "services/core/strings.h"
#include "services/core/trace.h"
#include "services/ingest/event_decoder.h"
#include "services/ingest/intake_parts.h"

namespace herald::ingest {
namespace {

constexpr char kProtobuf[] = "application/x-protobuf";

std::string_view ResultName(IntakeOutcome::Kind kind) {
  switch (kind) {
    case IntakeOutcome::Kind::kRecorded:
      return "recorded";
    case IntakeOutcome::Kind::kDuplicate:
      return "duplicate";
    case IntakeOutcome::Kind::kRejected:
      return "rejected";
  }
  return "unknown";
}

// The message with the contact overrides as validation normalised them (E.164 phone,
// canonical locale), as the rest of Herald sees them.
void NormaliseOverrides(const core::Event& event, v1::Event& message) {
  const core::ContactOverrides& o = event.overrides;
  if (o.empty()) {
    message.clear_contact_overrides();
    return;
  }
  v1::ContactOverrides* out = message.mutable_contact_overrides();
  out->set_email(o.email);
  out->set_phone(o.phone);
  out->set_locale(o.locale);
  out->set_display_name(o.display_name);
}

}  // namespace

Intake::Intake(store::IntakeStore& store, store::TemplateCatalog& templates,
               policy::Decider& decider, const core::Clock& clock, EventLimits limits,
               prometheus::Registry& registry, Options options)
    : store_(store),
      templates_(templates),
      decider_(decider),
      clock_(clock),
      limits_(limits),
      options_(options),
      fanout_(options.fanout),
      fanout_min_audience_(options.fanout_min_audience),
      events_(prometheus::BuildCounter()
                  .Name("herald_events_total")
                  .Help("Events taken in, by channel of arrival and result")
                  .Register(registry)),
      rejected_(prometheus::BuildCounter()
                    .Name("herald_events_rejected_total")
                    .Help("Events that could not be processed, by reason")
                    .Register(registry)),
      notifications_created_(prometheus::BuildCounter()
                                 .Name("herald_notifications_created_total")
                                 .Help("Notifications recorded from events")
                                 .Register(registry)
                                 .Add({})) {
  auto& latency = prometheus::BuildHistogram()
                      .Name("herald_append_to_decision_seconds")
                      .Help(
                          "From an event's append to its topic to its notifications decided "
                          "and durable, by the channel decided (none: not let through)")
                      .Register(registry);
  const prometheus::Histogram::BucketBoundaries buckets = core::LatencyBucketsSeconds();
  for (std::string_view channel :
       {std::string_view("EMAIL"), std::string_view("SMS"), std::string_view("none")}) {
    append_to_decision_.emplace(std::string(channel),
                                &latency.Add({{"channel", std::string(channel)}}, buckets));
  }
}

Intake::~Intake() = default;

absl::StatusOr<std::vector<IntakeOutcome>> Intake::Process(const std::vector<RawEvent>& batch,
                                                           std::string_view via) {
  absl::StatusOr<std::unique_ptr<Pending>> pending = Submit(batch, via);
  if (!pending.ok()) return pending.status();
  return (*pending)->Wait();
}

absl::StatusOr<std::vector<IntakeOutcome>> Intake::ProcessParsed(
    const std::vector<const v1::Event*>& events, std::string_view via,
    std::string_view traceparent) {
  absl::StatusOr<std::unique_ptr<Pending>> pending = SubmitParsed(events, via, traceparent);
  if (!pending.ok()) return pending.status();
  return (*pending)->Wait();
}

absl::StatusOr<std::unique_ptr<Intake::Pending>> Intake::Submit(const std::vector<RawEvent>& batch,
                                                                std::string_view via,
                                                                std::function<void()> on_written) {
  std::vector<Candidate> candidates;
  candidates.reserve(batch.size());
  for (const RawEvent& raw : batch) {
    candidates.push_back(
        {DecodeEvent(raw.body, raw.content_type, limits_.max_event_bytes),
         raw.content_type.empty() ? std::string(kProtobuf) : std::string(raw.content_type),
         std::string(raw.body), raw.origin, raw.append_time,
         core::TraceIdOf(raw.traceparent).value_or(core::NewTraceId())});
  }
  return Run(std::move(candidates), via, std::move(on_written));
}

absl::StatusOr<std::unique_ptr<Intake::Pending>> Intake::SubmitParsed(
    const std::vector<const v1::Event*>& events, std::string_view via,
    std::string_view traceparent) {
  const std::optional<core::TraceId> trace_id = core::TraceIdOf(traceparent);
  std::vector<Candidate> candidates;
  candidates.reserve(events.size());
  for (const v1::Event* event : events) {
    std::string body = event->SerializeAsString();
    std::variant<v1::Event, Rejection> parsed = *event;
    if (body.size() > limits_.max_event_bytes) {
      parsed = OversizedRejection(body.size(), limits_.max_event_bytes);
    }
    candidates.push_back({std::move(parsed), kProtobuf, std::move(body), std::string(via),
                          std::nullopt, trace_id.value_or(core::NewTraceId())});
  }
  return Run(std::move(candidates), via, nullptr);
}

absl::StatusOr<std::unique_ptr<Intake::Pending>> Intake::Run(std::vector<Candidate> candidates,
                                                             std::string_view via,
                                                             std::function<void()> on_written) {
  const core::Time now = clock_.Now();
  std::unique_ptr<Pending> pending(new Pending(*this, std::string(via)));
  pending->on_written_ = std::move(on_written);
  std::vector<IntakeOutcome>& outcomes = pending->outcomes_;
  outcomes.resize(candidates.size());
  std::vector<Accepted*> accepted;
  accepted.reserve(candidates.size());

  // Validate, once; the same id twice in one batch is the same event.
  std::unordered_set<std::string> ids;
  for (size_t i = 0; i < candidates.size(); ++i) {
    auto* parsed = std::get_if<v1::Event>(&candidates[i].parsed);
    if (parsed == nullptr) {
      outcomes[i].rejection = std::get<Rejection>(std::move(candidates[i].parsed));
      continue;
    }
    outcomes[i].event_id = parsed->event_id();
    auto valid = ValidateEvent(*parsed, limits_, now);
    if (auto* rejection = std::get_if<Rejection>(&valid)) {
      outcomes[i].rejection = std::move(*rejection);
      continue;
    }
    if (!ids.insert(parsed->event_id()).second) {
      outcomes[i].kind = IntakeOutcome::Kind::kDuplicate;
      continue;
    }
    auto a = std::make_unique<Accepted>();
    a->index = i;
    a->append_time = candidates[i].append_time.value_or(now);
    a->record = {std::get<core::Event>(std::move(valid)), std::move(candidates[i].content_type),
                 std::move(candidates[i].body), std::move(candidates[i].origin), now};
    a->record.trace_id = candidates[i].trace_id;
    a->message = std::make_shared<v1::Event>(std::move(*parsed));
    NormaliseOverrides(a->record.event, *a->message);
    outcomes[i].customers = static_cast<int>(a->record.event.customer_ids.size());
    accepted.push_back(a.get());
    pending->accepted_.push_back(std::move(a));
  }

  // Recorded before: a duplicate, or an audience a crash cut short (the rest follows).
  if (!accepted.empty()) {
    std::vector<std::string> event_ids;
    for (const Accepted* a : accepted) event_ids.push_back(a->record.event.event_id);
    absl::StatusOr<std::vector<store::KnownEvent>> known = store_.KnownEvents(event_ids);
    if (!known.ok()) return known.status();
    std::vector<bool> duplicate(accepted.size());
    for (size_t k = 0; k < accepted.size(); ++k) {
      const store::KnownEvent& state = (*known)[k];
      if (state.state == store::KnownEvent::State::kComplete) {
        outcomes[accepted[k]->index].kind = IntakeOutcome::Kind::kDuplicate;
        duplicate[k] = true;
      } else if (state.state == store::KnownEvent::State::kPartial) {
        accepted[k]->continued = true;
        accepted[k]->event_seq = state.event_seq;
        absl::StatusOr<std::vector<std::string>> recorded =
            store_.RecordedNotificationIds(state.event_seq);
        if (!recorded.ok()) return recorded.status();
        accepted[k]->recorded.insert(recorded->begin(), recorded->end());
      }
    }
    size_t k = 0;
    std::erase_if(accepted, [&](const Accepted*) { return duplicate[k++]; });
  }

  // The templates each event type triggers; none still makes one notification per
  // customer (template ""), so that the decision log says there was no template.
  absl::StatusOr<std::shared_ptr<const store::TemplateCatalog::View>> catalog =
      templates_.Refresh();
  if (!catalog.ok()) return catalog.status();
  for (Accepted* a : accepted) {
    auto templates = (*catalog)->ForEventType(a->record.event.event_type);
    if (!templates.ok()) return templates.status();
    a->templates = *std::move(templates);
  }

  // An audience large enough is split over the instances, each deciding its customers.
  FanoutSink* const fanout = fanout_.load();
  const size_t fanout_min = fanout_min_audience_.load();
  if (fanout != nullptr && fanout_min > 0) {
    std::vector<bool> split(accepted.size());
    for (size_t k = 0; k < accepted.size(); ++k) {
      const core::Event& e = accepted[k]->record.event;
      if (!e.has_audience || e.customer_ids.size() < fanout_min) continue;
      absl::Status fanned = FanOut(*pending, *accepted[k], *fanout);
      if (!fanned.ok()) return fanned;
      split[k] = true;
    }
    size_t k = 0;
    std::erase_if(accepted, [&](const Accepted*) { return split[k++]; });
  }
  absl::Status submitted = SubmitInParts(*pending, accepted);
  if (!submitted.ok()) return submitted;
  return pending;
}

absl::Status Intake::SubmitInParts(Pending& pending, const std::vector<Accepted*>& accepted) {
  // Small events share a part; an audience is cut into parts. Each part is decided and
  // handed to the store as soon as it is full: later parts are decided while earlier
  // ones are written, the policy counting them.
  const size_t capacity = static_cast<size_t>(std::max(1, options_.max_part));
  Part part;
  for (Accepted* a : accepted) {
    const size_t per_customer = std::max<size_t>(1, a->templates.size());
    const size_t customers = a->record.event.customer_ids.size();
    size_t begin = 0;
    while (begin < customers) {
      if (part.notifications + per_customer > capacity && !part.slices.empty()) {
        absl::Status submitted = SubmitPart(pending, std::move(part));
        if (!submitted.ok()) return submitted;
        part.slices.clear();
        part.notifications = 0;
      }
      const size_t room = std::max<size_t>(1, (capacity - part.notifications) / per_customer);
      const size_t end = std::min(customers, begin + room);
      part.slices.push_back({a, begin, end, a->continued, false, 0, {}});
      a->continued = true;  // later parts go on with it
      part.notifications += (end - begin) * per_customer;
      begin = end;
    }
  }
  if (!part.slices.empty()) return SubmitPart(pending, std::move(part));
  return absl::OkStatus();
}

absl::Status Intake::SubmitPart(Pending& pending, Part part_in) {
  // An audience's parts are decided while earlier ones are written, but no more than
  // kPartsInFlight of them wait at once: a 100,000-customer outage does not sit in
  // memory whole.
  for (const auto& earlier : pending.parts_) {
    const size_t waiting = std::count_if(pending.parts_.begin(), pending.parts_.end(),
                                         [](const std::unique_ptr<Part>& p) { return !p->done; });
    if (waiting < kPartsInFlight) break;
    if (earlier->done) continue;
    absl::StatusOr<std::vector<store::IntakeResult>> results = earlier->written.get();
    earlier->done = true;
    if (!results.ok()) return results.status();
    Complete(pending, *earlier, *results);
  }
  auto part = std::make_unique<Part>(std::move(part_in));
  std::vector<store::IntakeItem> items;
  items.reserve(part->slices.size());
  for (const Part::Slice& slice : part->slices) {
    Accepted& a = *slice.event;
    const core::Event& e = a.record.event;
    store::IntakeItem item;
    item.continued = slice.continued;
    // A fan-out item's event is complete already; its many items leave its row alone.
    item.complete = !a.fanned && slice.end == e.customer_ids.size();
    if (!slice.continued) item.record = a.record;  // the event itself goes with its first part
    item.record.event.event_id = e.event_id;
    // Notifications are kept in creation order; a microsecond per event keeps the order
    // of arrival within one batch.
    const core::Time created = a.record.receive_time + std::chrono::microseconds(a.index);
    item.notifications.reserve((slice.end - slice.begin) * std::max<size_t>(1, a.templates.size()));
    for (size_t c = slice.begin; c < slice.end; ++c) {
      const std::string& customer = e.customer_ids[c];
      auto add = [&](const core::Template* t) {
        core::Notification n;
        n.template_name = t == nullptr ? "" : t->name;
        n.notification_id = core::NotificationId(e.event_id, customer, n.template_name);
        if (a.recorded.contains(n.notification_id)) return;
        n.event_id = e.event_id;
        n.customer_id = customer;
        n.event_type = e.event_type;
        n.subject = e.subject;
        n.trace_id = a.record.trace_id;
        if (t != nullptr) {
          n.template_version = t->version;
          n.category = t->category;
        }
        n.state = core::NotificationState::kPending;
        n.create_time = created;
        n.update_time = created;
        item.notifications.push_back(std::move(n));
      };
      if (a.templates.empty()) add(nullptr);
      for (const auto& t : a.templates) add(t.get());
    }
    items.push_back(std::move(item));
  }

  std::vector<policy::Decider::Work> work;
  work.reserve(part->notifications);
  for (size_t i = 0; i < items.size(); ++i) {
    Accepted& a = *part->slices[i].event;
    for (core::Notification& n : items[i].notifications) {
      const core::Template* tmpl = nullptr;
      for (const auto& t : a.templates) {
        if (t->name == n.template_name) tmpl = t.get();
      }
      work.push_back({&n, &a.record.event, tmpl});
    }
  }
  // Parts reach the store in the order they were decided: each is decided on the
  // customer versions the ones before it leave (Decider::Batch::decided_on).
  std::lock_guard decide_and_hand_over(decide_mu_);
  absl::StatusOr<policy::Decider::Batch> decided = decider_.Decide(work);
  if (!decided.ok()) return decided.status();
  part->batch.emplace(*std::move(decided));

  // One customer whose contact data must come from a profile: it must have one (the
  // policy read them all). Such an event is refused, and nothing of it recorded.
  std::vector<store::IntakeItem> recordable;
  recordable.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    Part::Slice& slice = part->slices[i];
    const core::Event& e = slice.event->record.event;
    slice.decided.reserve(items[i].notifications.size());
    for (const core::Notification& n : items[i].notifications) {
      slice.decided.emplace_back(n.state, n.channel);
    }
    if (!e.has_audience && e.overrides.email.empty() && e.overrides.phone.empty() &&
        !part->batch->HasProfile(e.customer_ids.front())) {
      slice.refused = true;
      IntakeOutcome& outcome = pending.outcomes_[slice.event->index];
      outcome.kind = IntakeOutcome::Kind::kRejected;
      outcome.rejection =
          Rejection{RejectReason::kUnknownCustomer, "customer_id",
                    core::StrCat("\"", e.customer_ids.front(),
                                 "\" has no profile and the event carries no email or phone in "
                                 "contact_overrides")};
      continue;
    }
    // An event for one erased customer is recorded without its body: its contact
    // overrides and attributes would bring back what the erasure removed.
    const auto& notifications = items[i].notifications;
    if (!e.has_audience && !notifications.empty() &&
        std::all_of(notifications.begin(), notifications.end(), [](const core::Notification& n) {
          return n.decision && n.decision->reason == core::DecisionReason::kErased;
        })) {
      items[i].record.body.clear();
    }
    slice.result = recordable.size();
    recordable.push_back(std::move(items[i]));
  }
  if (recordable.empty()) {
    std::promise<absl::StatusOr<std::vector<store::IntakeResult>>> nothing;
    nothing.set_value(std::vector<store::IntakeResult>());
    part->written = nothing.get_future();
    if (pending.on_written_) pending.on_written_();
  } else {
    part->written = store_.RecordIntakeAsync(std::move(recordable), part->batch->decided_on(),
                                             pending.on_written_);
  }
  pending.parts_.push_back(std::move(part));
  return absl::OkStatus();
}

void Intake::Complete(Pending& pending, Part& part, std::vector<store::IntakeResult>& results) {
  std::vector<bool> applied;
  applied.reserve(part.notifications);
  Recorded recorded;
  int64_t created = 0;
  const core::Time durable = clock_.Now();
  for (Part::Slice& slice : part.slices) {
    if (slice.refused) {
      applied.insert(applied.end(), slice.decided.size(), false);
      continue;
    }
    store::IntakeResult& result = results[slice.result];
    Accepted& a = *slice.event;
    IntakeOutcome& outcome = pending.outcomes_[a.index];
    applied.insert(applied.end(), result.created.begin(), result.created.end());
    if (result.duplicate) {  // recorded meanwhile by another caller
      outcome.kind = IntakeOutcome::Kind::kDuplicate;
      continue;
    }
    outcome.kind = IntakeOutcome::Kind::kRecorded;
    outcome.notifications_created += result.notifications_created;
    spdlog::debug("msg=\"event recorded\" event_id={} trace_id={} notifications={}",
                  a.record.event.event_id, a.record.trace_id.hex(), result.notifications_created);
    created += result.notifications_created;
    const double seconds = std::chrono::duration<double>(durable - a.append_time).count();
    for (size_t k = 0; k < slice.decided.size() && k < result.created.size(); ++k) {
      if (!result.created[k]) continue;
      const auto& [state, channel] = slice.decided[k];
      recorded.queued = recorded.queued || state == core::NotificationState::kQueued;
      recorded.deferred = recorded.deferred || state == core::NotificationState::kDeferred;
      const std::string_view label = state == core::NotificationState::kQueued && channel
                                         ? core::Name(*channel)
                                         : std::string_view("none");
      append_to_decision_.find(label)->second->Observe(seconds);
    }
    if (on_recorded_) {
      for (core::Notification& n : result.queued) {
        if (n.channel) recorded.queued_notifications.push_back(std::move(n));
      }
    }
    if (!a.announced) {
      a.announced = true;
      // Fan-out work of one audience: its event once.
      if (std::none_of(recorded.events.begin(), recorded.events.end(),
                       [&](const AcceptedEvent& e) { return e.seq == result.event_seq; })) {
        recorded.events.push_back({result.event_seq, a.message});
      }
    }
  }
  part.batch->Recorded(applied);
  if (created > 0) notifications_created_.Increment(static_cast<double>(created));
  if (on_recorded_ && (created > 0 || !recorded.events.empty())) on_recorded_(std::move(recorded));
}

Intake::Pending::Pending(Intake& intake, std::string via) : intake_(intake), via_(std::move(via)) {}

Intake::Pending::~Pending() {
  // What was handed over is written whether or not anyone waits; the policy counts it
  // until then.
  for (const auto& part : parts_) {
    if (!part->done && part->written.valid()) part->written.wait();
  }
}

bool Intake::Pending::Ready() const {
  for (const auto& part : parts_) {
    if (!part->done && part->written.valid() &&
        part->written.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      return false;
    }
  }
  return true;
}

absl::StatusOr<std::vector<IntakeOutcome>> Intake::Pending::Wait() {
  if (waited_) return absl::FailedPreconditionError("intake: a batch waited for twice");
  waited_ = true;
  absl::Status failed;
  for (const auto& part : parts_) {
    if (part->done) continue;  // completed while later parts were submitted
    absl::StatusOr<std::vector<store::IntakeResult>> results = part->written.get();
    part->done = true;
    if (!results.ok()) {
      if (failed.ok()) failed = results.status();
      continue;
    }
    if (failed.ok()) intake_.Complete(*this, *part, *results);
  }
  if (!failed.ok()) return failed;
  intake_.Count(via_, outcomes_);
  return std::move(outcomes_);
}

absl::StatusOr<StoredEvent> ReadStoredEvent(const store::EventRecord& record) {
  // It passed these checks when it arrived; limits may have changed since, so the
  // widest ones apply, at the time it was received.
  const EventLimits any{.max_event_bytes = std::numeric_limits<size_t>::max(),
                        .max_audience = std::numeric_limits<size_t>::max(),
                        .max_future_skew = std::chrono::hours(24 * 365 * 100),
                        .max_attributes = std::numeric_limits<size_t>::max()};
  auto decoded = DecodeEvent(record.body, record.content_type, any.max_event_bytes);
  if (auto* rejection = std::get_if<Rejection>(&decoded)) {
    return absl::InternalError(core::StrCat("stored event ", record.event.event_id,
                                            " no longer decodes: ", rejection->detail));
  }
  auto valid = ValidateEvent(std::get<v1::Event>(decoded), any, record.receive_time);
  if (auto* rejection = std::get_if<Rejection>(&valid)) {
    return absl::InternalError(core::StrCat("stored event ", record.event.event_id,
                                            " no longer validates: ", rejection->field, ": ",
                                            rejection->detail));
  }
  StoredEvent stored{std::get<v1::Event>(std::move(decoded)),
                     std::get<core::Event>(std::move(valid))};
  NormaliseOverrides(stored.event, stored.message);
  return stored;
}

void Intake::Count(std::string_view via, const std::vector<IntakeOutcome>& outcomes) {
  // One counter update per distinct label set of the batch, not per event.
  std::map<IntakeOutcome::Kind, int> results;
  std::map<RejectReason, int> reasons;
  for (const IntakeOutcome& outcome : outcomes) {
    ++results[outcome.kind];
    if (outcome.rejection) ++reasons[outcome.rejection->reason];
  }
  const std::string channel(via);
  for (const auto& [kind, count] : results) {
    events_.Add({{"via", channel}, {"result", std::string(ResultName(kind))}}).Increment(count);
  }
  for (const auto& [reason, count] : reasons) {
    rejected_.Add({{"via", channel}, {"reason", std::string(Name(reason))}}).Increment(count);
  }
}

}  // namespace herald::ingest
