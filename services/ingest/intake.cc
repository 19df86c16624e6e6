#include "services/ingest/intake.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <limits>
#include <map>

#include "services/core/notification.h"
#include "services/core/strings.h"
#include "services/ingest/event_decoder.h"

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

}  // namespace

Intake::Intake(store::ProfileStore& profiles, store::TemplateStore& templates,
               store::NotificationStore& notifications, const core::Clock& clock,
               EventLimits limits, prometheus::Registry& registry)
    : profiles_(profiles),
      templates_(templates),
      notifications_(notifications),
      clock_(clock),
      limits_(limits),
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
                                 .Register(registry)) {}

absl::StatusOr<std::vector<IntakeOutcome>> Intake::Process(const std::vector<RawEvent>& batch,
                                                           std::string_view via) {
  std::vector<Candidate> candidates;
  candidates.reserve(batch.size());
  for (const RawEvent& raw : batch) {
    candidates.push_back(
        {DecodeEvent(raw.body, raw.content_type, limits_.max_event_bytes),
         raw.content_type.empty() ? std::string(kProtobuf) : std::string(raw.content_type),
         std::string(raw.body), raw.origin});
  }
  return Run(std::move(candidates), via);
}

absl::StatusOr<std::vector<IntakeOutcome>> Intake::ProcessParsed(
    const std::vector<const v1::Event*>& events, std::string_view via) {
  std::vector<Candidate> candidates;
  candidates.reserve(events.size());
  for (const v1::Event* event : events) {
    std::string body = event->SerializeAsString();
    std::variant<v1::Event, Rejection> parsed = *event;
    if (body.size() > limits_.max_event_bytes) {
      parsed = OversizedRejection(body.size(), limits_.max_event_bytes);
    }
    candidates.push_back({std::move(parsed), kProtobuf, std::move(body), std::string(via)});
  }
  return Run(std::move(candidates), via);
}

absl::StatusOr<std::vector<IntakeOutcome>> Intake::Run(std::vector<Candidate> candidates,
                                                       std::string_view via) {
  const core::Time now = clock_.Now();
  std::vector<IntakeOutcome> outcomes(candidates.size());
  std::vector<std::optional<core::Event>> events(candidates.size());

  // Validate; collect the single customers whose contact data must come from a profile.
  std::vector<std::string> to_check;
  std::vector<size_t> checked_index;
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (const auto* parsed = std::get_if<v1::Event>(&candidates[i].parsed)) {
      outcomes[i].event_id = parsed->event_id();
      auto valid = ValidateEvent(*parsed, limits_, now);
      if (auto* rejection = std::get_if<Rejection>(&valid)) {
        outcomes[i].rejection = std::move(*rejection);
        continue;
      }
      events[i] = std::get<core::Event>(std::move(valid));
      const core::Event& e = *events[i];
      if (!e.has_audience && e.overrides.email.empty() && e.overrides.phone.empty()) {
        to_check.push_back(e.customer_ids.front());
        checked_index.push_back(i);
      }
    } else {
      outcomes[i].rejection = std::get<Rejection>(std::move(candidates[i].parsed));
    }
  }
  if (!to_check.empty()) {
    absl::StatusOr<std::vector<bool>> known = profiles_.HasProfiles(to_check);
    if (!known.ok()) return known.status();
    for (size_t k = 0; k < to_check.size(); ++k) {
      if ((*known)[k]) continue;
      const size_t i = checked_index[k];
      events[i].reset();
      outcomes[i].rejection =
          Rejection{RejectReason::kUnknownCustomer, "customer_id",
                    core::StrCat("\"", to_check[k],
                                 "\" has no profile and the event carries no email or phone in "
                                 "contact_overrides")};
    }
  }

  // The templates each event type triggers; none still makes one notification per
  // customer (template ""), so that the decision log says there was no template.
  std::map<std::string, std::vector<core::Template>> triggered;
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (!events[i] || triggered.contains(events[i]->event_type)) continue;
    auto templates = templates_.ListTemplatesForEventType(events[i]->event_type);
    if (!templates.ok()) return templates.status();
    triggered.emplace(events[i]->event_type, *std::move(templates));
  }

  std::vector<store::IntakeItem> items;
  std::vector<size_t> item_index;
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (!events[i]) continue;
    // Notifications are decided in creation order; a microsecond per event keeps the
    // order of arrival within one batch.
    const core::Time created = now + std::chrono::microseconds(items.size());
    store::IntakeItem item;
    item.record = {std::move(*events[i]), std::move(candidates[i].content_type),
                   std::move(candidates[i].body), std::move(candidates[i].origin), now};
    const core::Event& e = item.record.event;
    const std::vector<core::Template>& templates = triggered[e.event_type];
    item.notifications.reserve(e.customer_ids.size() * std::max<size_t>(1, templates.size()));
    for (const std::string& customer : e.customer_ids) {
      auto add = [&](const core::Template* t) {
        core::Notification n;
        n.template_name = t == nullptr ? "" : t->name;
        n.notification_id = core::NotificationId(e.event_id, customer, n.template_name);
        n.event_id = e.event_id;
        n.customer_id = customer;
        n.event_type = e.event_type;
        n.subject = e.subject;
        if (t != nullptr) {
          n.template_version = t->version;
          n.category = t->category;
        }
        n.state = core::NotificationState::kPending;
        n.create_time = created;
        n.update_time = created;
        item.notifications.push_back(std::move(n));
      };
      if (templates.empty()) add(nullptr);
      for (const core::Template& t : templates) add(&t);
    }
    outcomes[i].customers = static_cast<int>(e.customer_ids.size());
    items.push_back(std::move(item));
    item_index.push_back(i);
  }
  if (!items.empty()) {
    absl::StatusOr<std::vector<store::IntakeResult>> results = notifications_.RecordIntake(items);
    if (!results.ok()) return results.status();
    for (size_t k = 0; k < items.size(); ++k) {
      IntakeOutcome& outcome = outcomes[item_index[k]];
      outcome.kind = (*results)[k].duplicate ? IntakeOutcome::Kind::kDuplicate
                                             : IntakeOutcome::Kind::kRecorded;
      outcome.notifications_created = (*results)[k].notifications_created;
    }
  }
  Count(via, outcomes);
  if (!items.empty() && on_recorded_) on_recorded_();
  return outcomes;
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
  // The message carries the contact overrides as validation normalised them (E.164
  // phone, canonical locale), as the rest of Herald sees them.
  const core::ContactOverrides& o = stored.event.overrides;
  if (o.empty()) {
    stored.message.clear_contact_overrides();
  } else {
    v1::ContactOverrides* out = stored.message.mutable_contact_overrides();
    out->set_email(o.email);
    out->set_phone(o.phone);
    out->set_locale(o.locale);
    out->set_display_name(o.display_name);
  }
  return stored;
}

void Intake::Count(std::string_view via, const std::vector<IntakeOutcome>& outcomes) {
  // One counter update per distinct label set of the batch, not per event.
  std::map<IntakeOutcome::Kind, int> results;
  std::map<RejectReason, int> reasons;
  int64_t created = 0;
  for (const IntakeOutcome& outcome : outcomes) {
    ++results[outcome.kind];
    if (outcome.rejection) ++reasons[outcome.rejection->reason];
    created += outcome.notifications_created;
  }
  const std::string channel(via);
  for (const auto& [kind, count] : results) {
    events_.Add({{"via", channel}, {"result", std::string(ResultName(kind))}}).Increment(count);
  }
  for (const auto& [reason, count] : reasons) {
    rejected_.Add({{"via", channel}, {"reason", std::string(Name(reason))}}).Increment(count);
  }
  if (created > 0) notifications_created_.Add({}).Increment(static_cast<double>(created));
}

}  // namespace herald::ingest
