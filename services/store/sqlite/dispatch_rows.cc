#include "services/store/sqlite/dispatch_rows.h"

#include "services/core/strings.h"
#include "services/store/record/records.h"
#include "services/store/sqlite/message_rows.h"
#include "services/store/sqlite/notification_rows.h"
#include "services/store/sqlite/profile_rows.h"
#include "services/store/sqlite/receipt_rows.h"
#include "services/store/sqlite/rows.h"

namespace herald::store::sqlite {

using core::NotificationState;

absl::StatusOr<std::vector<core::Notification>> SelectDue(Db& db, core::Time now,
                                                          core::Channel channel, int limit) {
  // The partial index holds only QUEUED rows, by channel and due time.
  auto query = db.Prepare(core::StrCat(
      "SELECT n.seq, n.notification_id, n.event_seq, e.event_id, n.customer_id, n.event_type,"
      " n.template_name, n.template_version, n.category, n.subject, n.state, n.channel,"
      " n.fallback_channels, n.create_time_us, n.update_time_us, n.send_time_us, n.due_us,"
      " n.attempt_count, n.record, e.trace_id"
      " FROM notifications n INDEXED BY notifications_queued"
      " JOIN events e ON e.event_seq = n.event_seq"
      " WHERE n.state = 'QUEUED' AND n.channel = ?1 AND n.due_us <= ?2"
      " ORDER BY n.due_us LIMIT ?3"));
  if (!query.ok()) return query.status();
  std::vector<core::Notification> out;
  absl::Status status = (*query)
                            ->Bind(1, core::Name(channel))
                            .Bind(2, ToMicros(now))
                            .Bind(3, int64_t{limit})
                            .ForEachRow([&](Statement& r) {
                              absl::StatusOr<core::Notification> n = FromRow(r, RecordPart::kNone);
                              if (!n.ok()) return n.status();
                              out.push_back(*std::move(n));
                              return absl::OkStatus();
                            });
  if (!status.ok()) return status;
  return out;
}

using common::ChangeOfNamed;

absl::StatusOr<bool> ClaimRow(WriteTx& tx, const Claim& claim) {
  Db& db = tx.db();
  const int number = claim.expected_attempt_count + 1;
  const core::RenderedMessage& m = claim.message;
  std::string detail = common::ClaimDetail(number, m);
  // Only while it is as listed; what it is then, the caller has in hand (claim.named).
  auto update = db.Prepare(
      "UPDATE notifications SET state = 'SENDING', attempt_count = ?2, update_time_us = ?3,"
      " due_us = NULL, record = CAST(record || ?4 AS BLOB)"
      " WHERE seq = ?1 AND notification_id = ?5 AND state = 'QUEUED' AND attempt_count = ?6"
      " AND channel = ?7");
  if (!update.ok()) return update.status();
  absl::StatusOr<bool> changed = (*update)
                                     ->Bind(1, claim.notification_seq)
                                     .Bind(2, int64_t{number})
                                     .Bind(3, ToMicros(claim.start_time))
                                     .BindBlob(4, common::ClaimRecord(claim, detail))
                                     .Bind(5, claim.notification_id)
                                     .Bind(6, int64_t{claim.expected_attempt_count})
                                     .Bind(7, core::Name(m.channel))
                                     .RunChanged();
  if (!changed.ok() || !*changed) return changed;
  absl::Status status = WriteMessage(db, claim.notification_seq, number, claim.message);
  if (!status.ok()) return status;
  tx.AddChange(ChangeOfNamed(claim.notification_seq, claim.notification_id, claim.named,
                             NotificationState::kQueued, NotificationState::kSending, m.channel,
                             number, claim.start_time, std::move(detail)));
  return true;
}

absl::StatusOr<std::vector<DispatchItem>> SelectInFlight(Db& db) {
  auto query = db.Prepare(core::StrCat(kNotificationSelect, " WHERE n.state = 'SENDING'"));
  if (!query.ok()) return query.status();
  std::vector<core::Notification> rows;
  absl::Status status = (*query)->ForEachRow([&](Statement& r) {
    absl::StatusOr<core::Notification> n = FromRow(r, RecordPart::kAll);
    if (!n.ok()) return n.status();
    rows.push_back(*std::move(n));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  query->reset();
  std::vector<DispatchItem> out;
  for (core::Notification& n : rows) {
    DispatchItem item;
    if (n.channel) {
      absl::StatusOr<std::optional<core::RenderedMessage>> message =
          SelectMessage(db, n.seq, *n.channel);
      if (!message.ok()) return message.status();
      if (*message) item.message = **std::move(message);
      item.message.channel = *n.channel;
    }
    item.notification = std::move(n);
    out.push_back(std::move(item));
  }
  return out;
}

absl::StatusOr<bool> ApplyAttempt(WriteTx& tx, const AttemptUpdate& u) {
  Db& db = tx.db();
  // attempt 0: a QUEUED one that was never handed off (its message did not render).
  const NotificationState expected =
      u.attempt == 0 ? NotificationState::kQueued : NotificationState::kSending;
  const int expected_count = u.attempt == 0 ? u.listed_attempt_count : u.attempt;
  const core::Channel attempt_channel = u.attempt_channel;
  const std::string record = common::ResultRecord(u);
  std::optional<int64_t> due;
  if (u.state == NotificationState::kQueued) {
    due = ToMicros(u.next_attempt_time.value_or(u.end_time));
  }
  // Only while it is as the attempt left it; what it is then, the caller has (u.named).
  auto update = db.Prepare(
      "UPDATE notifications SET state = ?2, update_time_us = ?3, channel = COALESCE(?4, channel),"
      " fallback_channels = ?5, due_us = ?6, record = CAST(record || ?7 AS BLOB)"
      " WHERE seq = ?1 AND notification_id = ?8 AND state = ?9 AND attempt_count = ?10"
      " AND channel = ?11");
  if (!update.ok()) return update.status();
  Statement& s = **update;
  BindName(s, 4, u.channel);
  absl::StatusOr<bool> changed = s.Bind(1, u.notification_seq)
                                     .Bind(2, core::Name(u.state))
                                     .Bind(3, ToMicros(u.end_time))
                                     .Bind(5, JoinChannels(u.fallback_channels))
                                     .Bind(6, due)
                                     .BindBlob(7, record)
                                     .Bind(8, u.notification_id)
                                     .Bind(9, core::Name(expected))
                                     .Bind(10, int64_t{expected_count})
                                     .Bind(11, core::Name(attempt_channel))
                                     .RunChanged();
  if (!changed.ok() || !*changed) return changed;
  StatusChange change = ChangeOfNamed(u.notification_seq, u.notification_id, u.named, expected,
                                      u.state, u.channel.value_or(attempt_channel), expected_count,
                                      u.end_time, u.state_detail);
  change.provider_message_id = u.provider_message_id;
  tx.AddChange(std::move(change));
  if (u.address_rejected) {
    absl::Status status = SuppressBouncedChannel(
        db, u.named.customer_id, attempt_channel,
        core::StrCat("hard bounce of ", u.notification_id, ": ", u.detail), u.end_time);
    if (!status.ok()) return status;
  }
  if (!u.provider_message_id.empty()) {
    absl::Status status = RememberProviderId(db, attempt_channel, u.provider_message_id,
                                             u.notification_seq, u.attempt, u.end_time);
    if (!status.ok()) return status;
    status = ApplyEarlyReceipts(tx, attempt_channel, u.provider_message_id, u.end_time);
    if (!status.ok()) return status;
  }
  return true;
}

absl::StatusOr<std::optional<core::Time>> SelectNextDispatchTime(
    Db& db, const std::vector<core::Channel>& channels) {
  std::optional<core::Time> next;
  for (core::Channel channel : channels) {
    auto query = db.Prepare(
        "SELECT MIN(due_us) FROM notifications INDEXED BY notifications_queued"
        " WHERE state = 'QUEUED' AND channel = ?1");
    if (!query.ok()) return query.status();
    absl::StatusOr<bool> found = (*query)->Bind(1, core::Name(channel)).Step();
    if (!found.ok()) return found.status();
    if (*found && !(*query)->ColumnIsNull(0)) {
      const core::Time at = FromMicros((*query)->ColumnInt(0));
      if (!next || at < *next) next = at;
    }
  }
  return next;
}

}  // namespace herald::store::sqlite
