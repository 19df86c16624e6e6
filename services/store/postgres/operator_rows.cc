#include "services/store/postgres/operator_rows.h"

#include "services/store/common/notification_parts.h"
#include "services/store/postgres/notification_rows.h"
#include "services/store/postgres/rows.h"
#include "services/store/record/records.h"

namespace herald::store::postgres {

absl::StatusOr<OperatorResult> ApplyOperatorChangeRow(WriteTx& tx, const OperatorChange& change) {
  OperatorResult result;
  // Locked for the transaction: a dispatcher's claim or a decision waits, then sees it.
  absl::StatusOr<std::optional<core::Notification>> found =
      ReadNotification(tx.conn(), change.notification_id, RecordPart::kNone, /*lock=*/true);
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
  auto updated = tx.conn().Exec(
      "UPDATE notifications SET state = $2, update_time_us = $3, due_us = $4,"
      " record = record || $5 WHERE seq = $1",
      Params()
          .Add(n.seq)
          .Add(core::Name(*next))
          .Add(ToMicros(change.time))
          // A retry is due at once; the other states wait for nothing.
          .Add(*next == core::NotificationState::kQueued
                   ? std::optional<int64_t>(ToMicros(change.time))
                   : std::nullopt)
          .AddBytes(record::ChangeBytes({*next, change.time, change.detail})));
  if (!updated.ok()) return updated.status();
  const core::NotificationState previous = n.state;
  n.state = *next;
  tx.AddChange(common::ChangeOf(n, previous, change.time, "", change.detail));
  result.outcome = OperatorResult::Outcome::kApplied;
  result.state = *next;
  return result;
}

}  // namespace herald::store::postgres
