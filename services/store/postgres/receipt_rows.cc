#include "services/store/postgres/receipt_rows.h"

#include <algorithm>

#include "services/core/strings.h"
#include "services/store/common/notification_parts.h"
#include "services/store/common/receipt_rules.h"
#include "services/store/postgres/notification_rows.h"
#include "services/store/postgres/profile_rows.h"
#include "services/store/postgres/rows.h"
#include "services/store/record/records.h"

namespace herald::store::postgres {
namespace {

using core::NotificationState;

constexpr std::chrono::hours kHoldReceiptsFor{24};

absl::Status HoldReceipt(Conn& conn, const Receipt& receipt) {
  auto pruned = conn.Exec("DELETE FROM early_receipts WHERE receipt_time_us < $1",
                          Params().Add(ToMicros(receipt.time - kHoldReceiptsFor)));
  if (!pruned.ok()) return pruned.status();
  return conn
      .Exec(
          "INSERT INTO early_receipts (channel, provider_message_id, state, receipt_time_us,"
          " detail) VALUES ($1, $2, $3, $4, $5)",
          Params()
              .Add(core::Name(receipt.channel))
              .Add(receipt.provider_message_id)
              .Add(core::Name(receipt.state))
              .Add(ToMicros(receipt.time))
              .Add(receipt.detail))
      .status();
}

struct Target {
  core::Notification notification;
  int attempt = 0;
  std::string provider_message_id;
};

// The notification (locked: two receipts for it apply one after the other) and which
// attempt the receipt is about.
absl::StatusOr<std::optional<Target>> FindTarget(Conn& conn, const Receipt& receipt) {
  absl::StatusOr<std::optional<core::Notification>> n;
  if (receipt.notification_id.empty()) {
    // A hand-off's result that names this id either committed before (found below) or
    // waits for this receipt to be held (and takes it then): see RememberProviderId.
    if (absl::Status s = LockProviderId(conn, receipt.channel, receipt.provider_message_id);
        !s.ok()) {
      return s;
    }
    auto found = conn.Exec(
        "SELECT notification_seq FROM provider_ids WHERE provider_message_id = $1"
        " AND channel = $2 ORDER BY start_time_us DESC LIMIT 1",
        Params().Add(receipt.provider_message_id).Add(core::Name(receipt.channel)));
    if (!found.ok()) return found.status();
    if (found->rows() == 0) return std::nullopt;
    n = ReadNotificationBySeq(conn, found->Int(0, 0), RecordPart::kAll, /*lock=*/true);
  } else {
    n = ReadNotification(conn, receipt.notification_id, RecordPart::kAll, /*lock=*/true);
  }
  if (!n.ok()) return n.status();
  if (!*n) return std::nullopt;
  const core::DeliveryAttempt* attempt = common::ReceiptAttempt(**n, receipt);
  if (attempt == nullptr) return std::nullopt;
  Target target{**std::move(n), attempt->number, attempt->provider_message_id};
  return target;
}

}  // namespace

absl::Status LockProviderId(Conn& conn, core::Channel channel, std::string_view provider_id) {
  return conn
      .Exec("SELECT pg_advisory_xact_lock(hashtextextended($1 || ' ' || $2, 0))",
            Params().Add(core::Name(channel)).Add(provider_id))
      .status();
}

absl::StatusOr<ReceiptResult> ApplyReceiptRow(WriteTx& tx, const Receipt& receipt) {
  Conn& conn = tx.conn();
  ReceiptResult result;
  absl::StatusOr<std::optional<Target>> target = FindTarget(conn, receipt);
  if (!target.ok()) return target.status();
  if (!*target) {
    if (!receipt.notification_id.empty()) {
      result.outcome = ReceiptResult::Outcome::kUnknownMessage;
      return result;
    }
    absl::Status held = HoldReceipt(conn, receipt);
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
  auto updated = conn.Exec(
      "UPDATE notifications SET state = $2, update_time_us = $3, channel = COALESCE($4, channel),"
      " fallback_channels = $5, due_us = $6, record = record || $7 WHERE seq = $1",
      Params()
          .Add(n.seq)
          .Add(core::Name(step.next))
          .Add(ToMicros(receipt.time))
          .Add(NameOrNull(step.channel))
          .Add(JoinChannels(step.fallbacks))
          .Add(step.next == NotificationState::kQueued
                   ? std::optional<int64_t>(ToMicros(receipt.time))
                   : std::nullopt)
          .AddBytes(record::ChangeBytes({step.next, receipt.time, step.detail})));
  if (!updated.ok()) return updated.status();
  const NotificationState previous = n.state;
  n.state = step.next;
  n.channel = step.channel.value_or(receipt.channel);
  n.attempt_count = number;
  StatusChange change = common::ChangeOf(n, previous, receipt.time, "", step.detail);
  change.provider_message_id = (*target)->provider_message_id;
  tx.AddChange(std::move(change));
  if (receipt.state == NotificationState::kBounced) {
    absl::Status status = SuppressBouncedChannel(
        conn, n.customer_id, receipt.channel,
        core::StrCat("hard bounce of ", n.notification_id, ": ", receipt.detail), receipt.time);
    if (!status.ok()) return status;
  }
  result.outcome = ReceiptResult::Outcome::kApplied;
  result.state = step.next;
  return result;
}

absl::Status RememberProviderId(WriteTx& tx, core::Channel channel, std::string_view provider_id,
                                int64_t notification_seq, int attempt, core::Time at) {
  if (absl::Status s = LockProviderId(tx.conn(), channel, provider_id); !s.ok()) return s;
  // The id noted, and the receipts held for it taken.
  auto held_rows = tx.conn().Exec(
      "WITH noted AS (INSERT INTO provider_ids (provider_message_id, channel, notification_seq,"
      " attempt, start_time_us) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING)"
      " DELETE FROM early_receipts WHERE provider_message_id = $1 AND channel = $2"
      " RETURNING state, receipt_time_us, detail",
      Params()
          .Add(provider_id)
          .Add(core::Name(channel))
          .Add(notification_seq)
          .Add(attempt)
          .Add(ToMicros(at)));
  if (!held_rows.ok()) return held_rows.status();
  if (held_rows->rows() == 0) return absl::OkStatus();
  std::vector<Receipt> held;
  for (int r = 0; r < held_rows->rows(); ++r) {
    auto state = core::ParseNotificationState(held_rows->View(r, 0));
    if (!state) return absl::DataLossError("a held receipt is not understood");
    held.push_back({.channel = channel,
                    .provider_message_id = std::string(provider_id),
                    .state = *state,
                    .time = FromMicros(held_rows->Int(r, 1)),
                    .detail = held_rows->Text(r, 2)});
  }
  std::stable_sort(held.begin(), held.end(),
                   [](const Receipt& a, const Receipt& b) { return a.time < b.time; });
  for (Receipt& receipt : held) {
    receipt.time = std::max(receipt.time, at);
    receipt.detail = core::StrCat(receipt.detail, " (held until the hand-off was recorded)");
    absl::StatusOr<ReceiptResult> applied = ApplyReceiptRow(tx, receipt);
    if (!applied.ok()) return applied.status();
  }
  return absl::OkStatus();
}

}  // namespace herald::store::postgres
