#include "services/store/common/notification_parts.h"

#include <algorithm>

#include "services/core/strings.h"
#include "services/store/record/records.h"

namespace herald::store::common {

using core::NotificationState;

absl::Status AddRecord(core::Notification& n, std::string_view record, RecordPart part) {
  if (part == RecordPart::kNone) return absl::OkStatus();
  absl::StatusOr<record::NotificationHistory> history =
      record::DecodeHistory(record, n.notification_id);
  if (!history.ok()) return history.status();
  if (!history->decisions.empty()) n.decision = history->decisions.back().first;
  n.content_purge = history->purge;
  if (part == RecordPart::kLatest) return absl::OkStatus();
  n.history.push_back({NotificationState::kPending, n.create_time,
                       core::StrCat("recorded from event ", n.event_id)});
  for (const auto& [decision, led_to] : history->decisions) {
    n.history.push_back({led_to, decision.decide_time,
                         core::StrCat(core::Name(decision.outcome), " ",
                                      core::Name(decision.reason), ": ", decision.detail)});
  }
  for (core::StateChange& change : history->changes) n.history.push_back(std::move(change));
  if (history->purge) {
    n.history.push_back(
        {n.state, history->purge->time,
         core::StrCat("message content purged (", core::Name(history->purge->reason), ")")});
  }
  std::stable_sort(n.history.begin(), n.history.end(),
                   [](const core::StateChange& a, const core::StateChange& b) {
                     return a.change_time < b.change_time;
                   });
  n.attempts = std::move(history->attempts);
  return absl::OkStatus();
}

std::optional<core::Time> DueOf(const core::Notification& n) {
  switch (n.state) {
    case NotificationState::kQueued:
      return n.next_attempt_time.value_or(n.send_time.value_or(n.create_time));
    case NotificationState::kDeferred:
      // Paused: nothing decides it again until the pause ends (PauseStore).
      if (n.decision && n.decision->reason == core::DecisionReason::kPaused) return std::nullopt;
      if (n.decision && n.decision->defer_until) return *n.decision->defer_until;
      return n.create_time;
    case NotificationState::kPending:
      return n.create_time;
    default:
      return std::nullopt;
  }
}

bool CountedForPolicy(NotificationState s) {
  return s == NotificationState::kQueued || s == NotificationState::kSending ||
         s == NotificationState::kSent || s == NotificationState::kDelivered ||
         s == NotificationState::kUnknown;
}

void AddToContext(CustomerContext& context, core::Notification n, core::Time occurred,
                  const ContextQuery& query) {
  if (n.event_type == query.event_type && occurred >= query.events_since &&
      std::none_of(context.events.begin(), context.events.end(),
                   [&](const auto& e) { return e.first == n.event_id; })) {
    context.events.emplace_back(n.event_id, occurred);
  }
  if (CountedForPolicy(n.state) && n.send_time && *n.send_time >= query.history_since) {
    context.history.push_back(std::move(n));
  }
}

absl::Status DecidedMeanwhile(const std::vector<std::string>& customer_ids) {
  std::string names;
  for (size_t i = 0; i < customer_ids.size() && i < 3; ++i) {
    core::StrAppend(names, i == 0 ? "" : ", ", customer_ids[i]);
  }
  if (customer_ids.size() > 3) core::StrAppend(names, " and ", customer_ids.size() - 3, " more");
  return absl::AbortedError(
      core::StrCat("customers decided meanwhile elsewhere (", names,
                   "): their decisions were made on an older history; decide again"));
}

bool Names(const std::vector<std::string>& ids, std::string_view id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

bool ChangeMatches(const NotificationFilter& filter, const StatusChange& c) {
  const bool state_matches =
      filter.states.empty() ||
      std::find(filter.states.begin(), filter.states.end(), c.state) != filter.states.end();
  return state_matches && (filter.customer_id.empty() || c.customer_id == filter.customer_id) &&
         (filter.event_id.empty() || c.event_id == filter.event_id) &&
         (filter.template_name.empty() || c.template_name == filter.template_name) &&
         (!filter.channel || c.channel == filter.channel);
}

void AsChanged(core::Notification& n, const StatusChange& change) {
  n.state = change.state;
  n.channel = change.channel;
  n.update_time = change.change_time;
}

StatusChange ChangeOf(const core::Notification& n, NotificationState previous, core::Time time,
                      std::string reason, std::string detail) {
  StatusChange c;
  c.notification_seq = n.seq;
  c.notification_id = n.notification_id;
  c.customer_id = n.customer_id;
  c.event_id = n.event_id;
  c.event_type = n.event_type;
  c.template_name = n.template_name;
  c.template_version = n.template_version;
  c.category = n.category;
  c.previous_state = previous;
  c.state = n.state;
  c.channel = n.channel;
  c.change_time = time;
  c.reason = std::move(reason);
  c.detail = std::move(detail);
  c.attempt = n.attempt_count;
  c.trace_id = n.trace_id;
  return c;
}

StatusChange ChangeOfNamed(int64_t seq, const std::string& id, const Named& named,
                           NotificationState previous, NotificationState state,
                           core::Channel channel, int attempt, core::Time time,
                           std::string detail) {
  StatusChange c;
  c.notification_seq = seq;
  c.notification_id = id;
  c.customer_id = named.customer_id;
  c.event_id = named.event_id;
  c.event_type = named.event_type;
  c.template_name = named.template_name;
  c.template_version = named.template_version;
  c.category = named.category;
  c.previous_state = previous;
  c.state = state;
  c.channel = channel;
  c.change_time = time;
  c.detail = std::move(detail);
  c.attempt = attempt;
  c.trace_id = named.trace_id;
  return c;
}

std::string ClaimDetail(int attempt, const core::RenderedMessage& m) {
  std::string detail = core::StrCat("attempt ", attempt, " on ", core::Name(m.channel));
  if (!m.locale.empty()) {  // what was rendered for it
    if (m.channel == core::Channel::kSms) {
      core::StrAppend(detail, ": ", m.locale, ", ", m.sms_segments,
                      m.sms_segments == 1 ? " segment " : " segments ", m.sms_encoding);
    } else {
      core::StrAppend(detail, ": ", m.locale, ", \"", m.subject, "\"");
    }
  }
  return detail;
}

std::string ClaimRecord(const Claim& claim, const std::string& detail) {
  core::DeliveryAttempt attempt;
  attempt.number = claim.expected_attempt_count + 1;
  attempt.channel = claim.message.channel;
  attempt.start_time = claim.start_time;
  return record::AttemptBytes(attempt) +
         record::ChangeBytes({NotificationState::kSending, claim.start_time, detail});
}

std::string ResultRecord(const AttemptUpdate& u) {
  std::string record;
  if (u.attempt != 0) {
    core::DeliveryAttempt ended;
    ended.number = u.attempt;
    ended.channel = u.attempt_channel;
    ended.end_time = u.end_time;
    ended.result = u.result;
    ended.detail = u.detail;
    ended.provider_message_id = u.provider_message_id;
    record += record::AttemptBytes(ended);
  }
  record += record::ChangeBytes({u.state, u.end_time, u.state_detail});
  return record;
}

std::optional<core::NotificationState> AfterOperatorAction(OperatorChange::Action action,
                                                           core::NotificationState state) {
  using S = core::NotificationState;
  using A = OperatorChange::Action;
  switch (action) {
    case A::kRetry:
      if (state == S::kFailed || state == S::kUnknown) return S::kQueued;
      break;
    case A::kCancel:
      if (state == S::kPending || state == S::kDeferred || state == S::kQueued) {
        return S::kCancelled;
      }
      break;
    case A::kResolveSent:
      if (state == S::kUnknown) return S::kSent;
      break;
    case A::kResolveNotSent:
      if (state == S::kUnknown) return S::kFailed;
      break;
  }
  return std::nullopt;
}

std::string BacklogQuery(core::NotificationState state) {
  using S = core::NotificationState;
  std::string_view index;
  if (state == S::kPending || state == S::kDeferred) {
    index = " AND state IN ('DEFERRED', 'PENDING')";
  } else if (state == S::kSending || state == S::kUnknown) {
    index = " AND state IN ('SENDING', 'UNKNOWN')";
  }
  return core::StrCat(
      "SELECT channel, COUNT(*), MIN(send_time_us), MIN(due_us) FROM notifications WHERE state = '",
      core::Name(state), "'", index, " GROUP BY channel ORDER BY channel");
}

}  // namespace herald::store::common
