#include "services/store/sqlite/decision_rows.h"

#include "services/core/strings.h"
#include "services/store/record/records.h"
#include "services/store/sqlite/notification_rows.h"
#include "services/store/sqlite/rows.h"

namespace herald::store::sqlite {

absl::StatusOr<bool> ApplyDecision(WriteTx& tx, const DecisionUpdate& u) {
  Db& db = tx.db();
  absl::StatusOr<std::optional<core::Notification>> row =
      ReadNotificationBySeq(db, u.notification_seq, RecordPart::kNone);
  if (!row.ok()) return row.status();
  if (!*row || (*row)->notification_id != u.notification_id || (*row)->state != u.expected_state ||
      (*row)->update_time != u.expected_update_time) {
    return false;  // changed meanwhile
  }
  core::Notification& n = **row;
  const core::Time at = u.decision.decide_time;
  std::optional<int64_t> due;
  if (u.state == core::NotificationState::kQueued) due = ToMicros(u.send_time.value_or(at));
  if (u.state == core::NotificationState::kDeferred && u.decision.defer_until) {
    due = ToMicros(*u.decision.defer_until);
  }
  auto update = db.Prepare(
      "UPDATE notifications SET state = ?2, update_time_us = ?3, template_version = ?4,"
      " category = ?5, channel = ?6, fallback_channels = ?7, send_time_us = ?8, due_us = ?9,"
      " record = CAST(record || ?10 AS BLOB) WHERE seq = ?1");
  if (!update.ok()) return update.status();
  Statement& s = **update;
  BindName(s, 5, u.category);
  BindName(s, 6, u.channel);
  absl::Status status = s.Bind(1, u.notification_seq)
                            .Bind(2, core::Name(u.state))
                            .Bind(3, ToMicros(at))
                            .Bind(4, u.template_version)
                            .Bind(7, JoinChannels(u.fallback_channels))
                            .Bind(8, ToMicros(u.send_time))
                            .Bind(9, due)
                            .BindBlob(10, record::DecisionBytes(u.decision, u.state))
                            .Run();
  if (!status.ok()) return status;
  const core::NotificationState previous = n.state;
  n.state = u.state;
  n.template_version = u.template_version;
  n.category = u.category;
  n.channel = u.channel;
  tx.AddChange(
      ChangeOf(n, previous, at, std::string(core::Name(u.decision.reason)), u.decision.detail));
  return true;
}

}  // namespace herald::store::sqlite
