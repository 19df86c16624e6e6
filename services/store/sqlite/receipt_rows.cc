#include "services/store/sqlite/receipt_rows.h"

#include <algorithm>

#include "services/core/strings.h"
#include "services/store/common/receipt_rules.h"
#include "services/store/record/records.h"
#include "services/store/sqlite/notification_rows.h"
#include "services/store/sqlite/profile_rows.h"
#include "services/store/sqlite/rows.h"

namespace herald::store::sqlite {
namespace {

using core::NotificationState;

constexpr std::chrono::hours kHoldReceiptsFor{24};

absl::Status HoldReceipt(Db& db, const Receipt& receipt) {
  auto prune = db.Prepare("DELETE FROM early_receipts WHERE receipt_time_us < ?1");
  if (!prune.ok()) return prune.status();
  absl::Status status = (*prune)->Bind(1, ToMicros(receipt.time - kHoldReceiptsFor)).Run();
  if (!status.ok()) return status;
  auto insert = db.Prepare(
      "INSERT INTO early_receipts (channel, provider_message_id, state, receipt_time_us, detail)"
      " VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!insert.ok()) return insert.status();
  return (*insert)
      ->Bind(1, core::Name(receipt.channel))
      .Bind(2, receipt.provider_message_id)
      .Bind(3, core::Name(receipt.state))
      .Bind(4, ToMicros(receipt.time))
      .Bind(5, receipt.detail)
      .Run();
}

// The notification (with its attempts) and which attempt the receipt is about: by the
// provider's id (a provider that reuses ids means the latest), or the latest attempt
// on the receipt's channel of the notification it names.
struct Target {
  core::Notification notification;
  int attempt = 0;
  std::string provider_message_id;
};

absl::StatusOr<std::optional<Target>> FindTarget(Db& db, const Receipt& receipt) {
  std::optional<core::Notification> n;
  if (receipt.notification_id.empty()) {
    auto find = db.Prepare(
        "SELECT notification_seq FROM provider_ids WHERE provider_message_id = ?1"
        " AND channel = ?2 ORDER BY start_time_us DESC LIMIT 1");
    if (!find.ok()) return find.status();
    absl::StatusOr<bool> found =
        (*find)->Bind(1, receipt.provider_message_id).Bind(2, core::Name(receipt.channel)).Step();
    if (!found.ok()) return found.status();
    if (!*found) return std::nullopt;
    const int64_t seq = (*find)->ColumnInt(0);
    find->reset();
    absl::StatusOr<std::optional<core::Notification>> row =
        ReadNotificationBySeq(db, seq, RecordPart::kAll);
    if (!row.ok()) return row.status();
    n = *std::move(row);
  } else {
    absl::StatusOr<std::optional<core::Notification>> row =
        ReadNotification(db, receipt.notification_id, RecordPart::kAll);
    if (!row.ok()) return row.status();
    n = *std::move(row);
  }
  if (!n) return std::nullopt;
  const core::DeliveryAttempt* attempt = common::ReceiptAttempt(*n, receipt);
  if (attempt == nullptr) return std::nullopt;
  Target target{*std::move(n), attempt->number, attempt->provider_message_id};
  return target;
}

}  // namespace

absl::StatusOr<ReceiptResult> ApplyReceiptRow(WriteTx& tx, const Receipt& receipt) {
  Db& db = tx.db();
  ReceiptResult result;
  absl::StatusOr<std::optional<Target>> target = FindTarget(db, receipt);
  if (!target.ok()) return target.status();
  if (!*target) {
    if (!receipt.notification_id.empty()) {
      result.outcome = ReceiptResult::Outcome::kUnknownMessage;
      return result;
    }
    absl::Status held = HoldReceipt(db, receipt);
    if (!held.ok()) return held;
    result.outcome = ReceiptResult::Outcome::kHeld;
    return result;
  }
  core::Notification& n = (*target)->notification;
  const int number = (*target)->attempt;
  for (const core::DeliveryAttempt& a : n.attempts) {
    if (a.number == number) result.hand_off_time = a.start_time;
  }
  result.notification_id = n.notification_id;
  result.customer_id = n.customer_id;
  result.state = n.state;
  common::ReceiptStep step = common::NextAfterReceipt(n, number, receipt);
  if (step.outcome != ReceiptResult::Outcome::kApplied) {
    result.outcome = step.outcome;
    return result;
  }
  const NotificationState next = step.next;
  const std::optional<core::Channel>& channel = step.channel;
  const std::vector<core::Channel>& fallbacks = step.fallbacks;
  const std::string& detail = step.detail;
  auto update = db.Prepare(
      "UPDATE notifications SET state = ?2, update_time_us = ?3, channel = COALESCE(?4, channel),"
      " fallback_channels = ?5, due_us = ?6, record = CAST(record || ?7 AS BLOB) WHERE seq = ?1");
  if (!update.ok()) return update.status();
  Statement& s = **update;
  BindName(s, 4, channel);
  absl::Status status = s.Bind(1, n.seq)
                            .Bind(2, core::Name(next))
                            .Bind(3, ToMicros(receipt.time))
                            .Bind(5, JoinChannels(fallbacks))
                            .Bind(6, next == NotificationState::kQueued
                                         ? std::optional<int64_t>(ToMicros(receipt.time))
                                         : std::nullopt)
                            .BindBlob(7, record::ChangeBytes({next, receipt.time, detail}))
                            .Run();
  if (!status.ok()) return status;
  const NotificationState previous = n.state;
  n.state = next;
  n.channel = channel.value_or(receipt.channel);
  n.attempt_count = number;
  StatusChange change = ChangeOf(n, previous, receipt.time, "", detail);
  change.provider_message_id = (*target)->provider_message_id;
  tx.AddChange(std::move(change));
  if (receipt.state == NotificationState::kBounced) {
    status = SuppressBouncedChannel(
        db, n.customer_id, receipt.channel,
        core::StrCat("hard bounce of ", n.notification_id, ": ", receipt.detail), receipt.time);
    if (!status.ok()) return status;
  }
  result.outcome = ReceiptResult::Outcome::kApplied;
  result.state = next;
  return result;
}

absl::Status RememberProviderId(Db& db, core::Channel channel, std::string_view provider_id,
                                int64_t notification_seq, int attempt, core::Time at) {
  auto insert = db.Prepare(
      "INSERT OR IGNORE INTO provider_ids (provider_message_id, channel, notification_seq,"
      " attempt, start_time_us) VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!insert.ok()) return insert.status();
  return (*insert)
      ->Bind(1, provider_id)
      .Bind(2, core::Name(channel))
      .Bind(3, notification_seq)
      .Bind(4, int64_t{attempt})
      .Bind(5, ToMicros(at))
      .Run();
}

absl::Status ApplyEarlyReceipts(WriteTx& tx, core::Channel channel, std::string_view provider_id,
                                core::Time recorded) {
  // Almost always none is held: a look by the index first (a DELETE ... RETURNING
  // would keep a statement journal for every hand-off).
  auto any = tx.db().Prepare(
      "SELECT 1 FROM early_receipts WHERE provider_message_id = ?1 AND channel = ?2 LIMIT 1");
  if (!any.ok()) return any.status();
  absl::StatusOr<bool> any_held = (*any)->Bind(1, provider_id).Bind(2, core::Name(channel)).Step();
  if (!any_held.ok()) return any_held.status();
  any->reset();
  if (!*any_held) return absl::OkStatus();
  auto query = tx.db().Prepare(
      "DELETE FROM early_receipts WHERE provider_message_id = ?1 AND channel = ?2"
      " RETURNING state, receipt_time_us, detail");
  if (!query.ok()) return query.status();
  std::vector<Receipt> held;
  absl::Status status =
      (*query)->Bind(1, provider_id).Bind(2, core::Name(channel)).ForEachRow([&](Statement& r) {
        auto state = core::ParseNotificationState(r.ColumnView(0));
        if (!state) return absl::DataLossError("a held receipt is not understood");
        held.push_back({.channel = channel,
                        .provider_message_id = std::string(provider_id),
                        .state = *state,
                        .time = FromMicros(r.ColumnInt(1)),
                        .detail = r.ColumnText(2)});
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  query->reset();
  std::stable_sort(held.begin(), held.end(),
                   [](const Receipt& a, const Receipt& b) { return a.time < b.time; });
  for (Receipt& receipt : held) {
    receipt.time = std::max(receipt.time, recorded);
    receipt.detail = core::StrCat(receipt.detail, " (held until the hand-off was recorded)");
    absl::StatusOr<ReceiptResult> applied = ApplyReceiptRow(tx, receipt);
    if (!applied.ok()) return applied.status();
  }
  return absl::OkStatus();
}

}  // namespace herald::store::sqlite
