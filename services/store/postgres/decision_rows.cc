#include "services/store/postgres/decision_rows.h"

#include "services/core/strings.h"
#include "services/store/common/notification_parts.h"
#include "services/store/postgres/rows.h"
#include "services/store/record/records.h"

namespace herald::store::postgres {

absl::StatusOr<bool> ApplyDecision(WriteTx& tx, const DecisionUpdate& u) {
  const core::Time at = u.decision.decide_time;
  std::optional<int64_t> due;
  if (u.state == core::NotificationState::kQueued) due = ToMicros(u.send_time.value_or(at));
  if (u.state == core::NotificationState::kDeferred && u.decision.defer_until) {
    due = ToMicros(*u.decision.defer_until);
  }
  // Only while it is as read; what the change log names it by comes back with it.
  auto updated = tx.conn().Exec(
      "UPDATE notifications SET state = $2, update_time_us = $3, template_version = $4,"
      " category = $5, channel = $6, fallback_channels = $7, send_time_us = $8, due_us = $9,"
      " record = record || $10 WHERE seq = $1 AND notification_id = $11 AND state = $12"
      " AND update_time_us = $13"
      " RETURNING customer_id, event_type, template_name, attempt_count,"
      " (SELECT event_id FROM events e WHERE e.event_seq = notifications.event_seq)",
      Params()
          .Add(u.notification_seq)
          .Add(core::Name(u.state))
          .Add(ToMicros(at))
          .Add(u.template_version)
          .Add(NameOrNull(u.category))
          .Add(NameOrNull(u.channel))
          .Add(JoinChannels(u.fallback_channels))
          .Add(ToMicros(u.send_time))
          .Add(due)
          .AddBytes(record::DecisionBytes(u.decision, u.state))
          .Add(u.notification_id)
          .Add(core::Name(u.expected_state))
          .Add(ToMicros(u.expected_update_time)));
  if (!updated.ok()) return updated.status();
  if (updated->rows() == 0) return false;  // changed meanwhile
  core::Notification n;
  n.seq = u.notification_seq;
  n.notification_id = u.notification_id;
  n.customer_id = updated->Text(0, 0);
  n.event_type = updated->Text(0, 1);
  n.template_name = updated->Text(0, 2);
  n.attempt_count = static_cast<int>(updated->Int(0, 3));
  n.event_id = updated->Text(0, 4);
  n.state = u.state;
  n.template_version = u.template_version;
  n.category = u.category;
  n.channel = u.channel;
  tx.AddChange(common::ChangeOf(n, u.expected_state, at, std::string(core::Name(u.decision.reason)),
                                u.decision.detail));
  return true;
}

}  // namespace herald::store::postgres
