#include "services/store/postgres/dispatch_rows.h"

#include <map>

#include "services/core/strings.h"
#include "services/store/common/notification_parts.h"
#include "services/store/postgres/message_rows.h"
#include "services/store/postgres/notification_rows.h"
#include "services/store/postgres/profile_rows.h"
#include "services/store/postgres/receipt_rows.h"
#include "services/store/postgres/rows.h"

namespace herald::store::postgres {

using core::NotificationState;

namespace {
// Leases run on the server's clock, which every instance shares.
constexpr char kNowUs[] = "(extract(epoch from clock_timestamp()) * 1000000)::bigint";
}  // namespace

absl::StatusOr<std::vector<core::Notification>> SelectDue(Conn& conn, core::Time now,
                                                          core::Channel channel, int limit) {
  auto rows = conn.Exec(core::StrCat(kNotificationSelect,
                                     " WHERE n.state = 'QUEUED' AND n.channel = $1"
                                     " AND n.due_us <= $2 ORDER BY n.due_us LIMIT $3"),
                        Params().Add(core::Name(channel)).Add(ToMicros(now)).Add(limit));
  if (!rows.ok()) return rows.status();
  std::vector<core::Notification> out;
  for (int r = 0; r < rows->rows(); ++r) {
    absl::StatusOr<core::Notification> n = FromRow(*rows, r, RecordPart::kNone);
    if (!n.ok()) return n.status();
    out.push_back(*std::move(n));
  }
  return out;
}

absl::StatusOr<bool> ClaimRow(WriteTx& tx, const Claim& claim, const Lease& lease) {
  const int number = claim.expected_attempt_count + 1;
  const core::RenderedMessage& m = claim.message;
  std::string detail = common::ClaimDetail(number, m);
  // Only while it is as listed; what it is then, the caller has in hand (claim.named).
  auto updated = tx.conn().Exec(
      core::StrCat(
          "UPDATE notifications SET state = 'SENDING', attempt_count = $2, update_time_us = $3,"
          " due_us = NULL, record = record || $4, lease_owner = $8, lease_until_us = ",
          kNowUs,
          " + $9 WHERE seq = $1 AND notification_id = $5 AND state = 'QUEUED'"
          " AND attempt_count = $6 AND channel = $7"),
      Params()
          .Add(claim.notification_seq)
          .Add(number)
          .Add(ToMicros(claim.start_time))
          .AddBytes(common::ClaimRecord(claim, detail))
          .Add(claim.notification_id)
          .Add(claim.expected_attempt_count)
          .Add(core::Name(m.channel))
          .Add(lease.owner)
          .Add(static_cast<int64_t>(lease.length.count()) * 1000));
  if (!updated.ok()) return updated.status();
  if (updated->affected() == 0) return false;
  absl::Status status = WriteMessage(tx.conn(), claim.notification_seq, number, claim.message);
  if (!status.ok()) return status;
  tx.AddChange(common::ChangeOfNamed(claim.notification_seq, claim.notification_id, claim.named,
                                     NotificationState::kQueued, NotificationState::kSending,
                                     m.channel, number, claim.start_time, std::move(detail)));
  return true;
}

absl::Status RenewLeases(Conn& conn, const Lease& lease) {
  return conn
      .Exec(core::StrCat("UPDATE notifications SET lease_until_us = ", kNowUs,
                         " + $2 WHERE state = 'SENDING' AND lease_owner = $1"),
            Params().Add(lease.owner).Add(static_cast<int64_t>(lease.length.count()) * 1000))
      .status();
}

absl::StatusOr<std::vector<DispatchItem>> TakeOverInFlight(Conn& conn, const Lease& lease,
                                                           bool including_own) {
  // The rows are locked by the subquery; the update returns whose lease ran out.
  auto taken = conn.Exec(
      core::StrCat("WITH lost AS (SELECT seq, lease_owner FROM notifications"
                   " WHERE state = 'SENDING' AND (lease_until_us IS NULL OR lease_until_us < ",
                   kNowUs, including_own ? " OR lease_owner = $1" : "",
                   ") FOR UPDATE SKIP LOCKED)"
                   " UPDATE notifications n SET lease_owner = $1, lease_until_us = ",
                   kNowUs,
                   " + $2 FROM lost WHERE n.seq = lost.seq"
                   " RETURNING n.seq, COALESCE(lost.lease_owner, '')"),
      Params().Add(lease.owner).Add(static_cast<int64_t>(lease.length.count()) * 1000));
  if (!taken.ok()) return taken.status();
  std::vector<int64_t> seqs;
  std::map<int64_t, std::string> lost_owner;
  for (int r = 0; r < taken->rows(); ++r) {
    seqs.push_back(taken->Int(r, 0));
    lost_owner[seqs.back()] = taken->Text(r, 1);
  }
  if (seqs.empty()) return std::vector<DispatchItem>();
  auto rows = conn.Exec(core::StrCat(kNotificationSelect, " WHERE n.seq = ANY($1::bigint[])"),
                        Params().AddArray(seqs));
  if (!rows.ok()) return rows.status();
  std::vector<DispatchItem> out;
  for (int r = 0; r < rows->rows(); ++r) {
    absl::StatusOr<core::Notification> n = FromRow(*rows, r, RecordPart::kAll);
    if (!n.ok()) return n.status();
    DispatchItem item;
    if (n->channel) {
      absl::StatusOr<std::optional<core::RenderedMessage>> message =
          SelectMessage(conn, n->seq, *n->channel);
      if (!message.ok()) return message.status();
      if (*message) item.message = **std::move(message);
      item.message.channel = *n->channel;
    }
    item.lost_lease_owner = lost_owner[n->seq];
    item.notification = *std::move(n);
    out.push_back(std::move(item));
  }
  return out;
}

absl::StatusOr<bool> ApplyAttempt(WriteTx& tx, const AttemptUpdate& u) {
  // attempt 0: a QUEUED one that was never handed off (its message did not render).
  const NotificationState expected =
      u.attempt == 0 ? NotificationState::kQueued : NotificationState::kSending;
  const int expected_count = u.attempt == 0 ? u.listed_attempt_count : u.attempt;
  const core::Channel attempt_channel = u.attempt_channel;
  std::optional<int64_t> due;
  if (u.state == NotificationState::kQueued) {
    due = ToMicros(u.next_attempt_time.value_or(u.end_time));
  }
  // Only while it is as the attempt left it; what it is then, the caller has (u.named).
  auto updated = tx.conn().Exec(
      "UPDATE notifications SET state = $2, update_time_us = $3, channel = COALESCE($4, channel),"
      " fallback_channels = $5, due_us = $6, record = record || $7"
      " WHERE seq = $1 AND notification_id = $8 AND state = $9 AND attempt_count = $10"
      " AND channel = $11",
      Params()
          .Add(u.notification_seq)
          .Add(core::Name(u.state))
          .Add(ToMicros(u.end_time))
          .Add(NameOrNull(u.channel))
          .Add(JoinChannels(u.fallback_channels))
          .Add(due)
          .AddBytes(common::ResultRecord(u))
          .Add(u.notification_id)
          .Add(core::Name(expected))
          .Add(expected_count)
          .Add(core::Name(attempt_channel)));
  if (!updated.ok()) return updated.status();
  if (updated->affected() == 0) return false;
  StatusChange change = common::ChangeOfNamed(
      u.notification_seq, u.notification_id, u.named, expected, u.state,
      u.channel.value_or(attempt_channel), expected_count, u.end_time, u.state_detail);
  change.provider_message_id = u.provider_message_id;
  tx.AddChange(std::move(change));
  if (u.address_rejected) {
    absl::Status status = SuppressBouncedChannel(
        tx.conn(), u.named.customer_id, attempt_channel,
        core::StrCat("hard bounce of ", u.notification_id, ": ", u.detail), u.end_time);
    if (!status.ok()) return status;
  }
  if (!u.provider_message_id.empty()) {
    absl::Status status = RememberProviderId(tx, attempt_channel, u.provider_message_id,
                                             u.notification_seq, u.attempt, u.end_time);
    if (!status.ok()) return status;
  }
  return true;
}

absl::StatusOr<std::optional<core::Time>> SelectNextDispatchTime(
    Conn& conn, const std::vector<core::Channel>& channels) {
  std::vector<std::string> names;
  for (core::Channel c : channels) names.emplace_back(core::Name(c));
  auto row = conn.Exec(
      "SELECT MIN(due_us) FROM notifications WHERE state = 'QUEUED' AND channel = ANY($1::text[])",
      Params().AddArray(names));
  if (!row.ok()) return row.status();
  return OptionalTime(*row, 0, 0);
}

}  // namespace herald::store::postgres
