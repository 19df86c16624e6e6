#include "services/ingest/intake.h"

#include <google/protobuf/util/json_util.h>

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

Intake::Intake(store::ProfileStore& profiles, store::NotificationStore& notifications,
               const core::Clock& clock, EventLimits limits, prometheus::Registry& registry)
    : profiles_(profiles),
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

  std::vector<store::IntakeItem> items;
  std::vector<size_t> item_index;
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (!events[i]) continue;
    store::IntakeItem item;
    item.record = {std::move(*events[i]), std::move(candidates[i].content_type),
                   std::move(candidates[i].body), std::move(candidates[i].origin), now};
    const core::Event& e = item.record.event;
    item.notifications.reserve(e.customer_ids.size());
    for (const std::string& customer : e.customer_ids) {
      item.notifications.push_back({core::NotificationId(e.event_id, customer, ""), e.event_id,
                                    customer, e.event_type, "", std::nullopt,
                                    core::NotificationState::kPending, now, now});
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
  return outcomes;
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
