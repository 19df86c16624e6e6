#include "services/store/sqlite/operator_rows.h"

#include "services/store/common/notification_parts.h"
#include "services/store/record/records.h"
#include "services/store/sqlite/notification_rows.h"
#include "services/store/sqlite/rows.h"

namespace herald::store::sqlite {

absl::StatusOr<OperatorResult> ApplyOperatorChangeRow(WriteTx& tx, const OperatorChange& change) {
  Db& db = tx.db();
  OperatorResult result;
  absl::StatusOr<std::optional<core::Notification>> found =
      ReadNotification(db, change.notification_id, RecordPart::kNone);
  if (!found.ok()) return found.status();
  if (!*found) return result;
  core::Notification& n = **found;
  result.customer_id = n.customer_id;
  result.state = n.state;
  const std::optional<core::NotificationState> next =
      common::AfterOperatorAction(change.action, n.state);
  if (!next) {
    result.outcome = OperatorResult::Outcome::kWrongState;
    return result;
  }
  auto update = db.Prepare(
      "UPDATE notifications SET state = ?2, update_time_us = ?3, due_us = ?4,"
      " record = CAST(record || ?5 AS BLOB) WHERE seq = ?1");
  if (!update.ok()) return update.status();
  absl::Status status = (*update)
                            ->Bind(1, n.seq)
                            .Bind(2, core::Name(*next))
                            .Bind(3, ToMicros(change.time))
                            // A retry is due at once; the other states wait for nothing.
                            .Bind(4, *next == core::NotificationState::kQueued
                                         ? std::optional<int64_t>(ToMicros(change.time))
                                         : std::nullopt)
                            .BindBlob(5, record::ChangeBytes({*next, change.time, change.detail}))
                            .Run();
  if (!status.ok()) return status;
  const core::NotificationState previous = n.state;
  n.state = *next;
  tx.AddChange(common::ChangeOf(n, previous, change.time, "", change.detail));
  result.outcome = OperatorResult::Outcome::kApplied;
  result.state = *next;
  return result;
}

}  // namespace herald::store::sqlite
