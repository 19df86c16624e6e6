// Version 6's data move (see migrations.h): the previous layout, a row per decision,
// attempt and state change, becomes one packed row per notification.
#include <map>

#include "absl/strings/str_split.h"
#include "services/core/strings.h"
#include "services/store/record/records.h"
#include "services/store/sqlite/migrations.h"
#include "services/store/sqlite/rows.h"

namespace herald::store::sqlite {
namespace {

absl::Status NotUnderstood(std::string_view id, std::string_view what) {
  return absl::DataLossError(core::StrCat("schema migration 6: notification ", id, ": stored ",
                                          what, " is not understood"));
}

// The packed history of one notification of the previous layout.
absl::StatusOr<std::string> PackedHistory(Db& db, const std::string& id) {
  std::string record;
  auto decisions = db.Prepare(
      "SELECT decide_time_us, outcome, reason, rule, detail, defer_until_us, evaluations, state"
      " FROM decisions WHERE notification_id = ?1 ORDER BY seq");
  if (!decisions.ok()) return decisions.status();
  absl::Status status = (*decisions)->Bind(1, id).ForEachRow([&](Statement& r) {
    core::Decision d;
    auto outcome = core::ParseDecisionOutcome(r.ColumnText(1));
    auto reason = core::ParseDecisionReason(r.ColumnText(2));
    auto state = core::ParseNotificationState(r.ColumnText(7));
    if (!outcome || !reason || !state) return NotUnderstood(id, "decision");
    d.decide_time = FromMicros(r.ColumnInt(0));
    d.outcome = *outcome;
    d.reason = *reason;
    d.rule = r.ColumnText(3);
    d.detail = r.ColumnText(4);
    if (!r.ColumnIsNull(5)) d.defer_until = FromMicros(r.ColumnInt(5));
    // One line per rule: "1" or "0", TAB, rule, TAB, detail; TAB, LF, backslash escaped.
    for (absl::string_view line : absl::StrSplit(r.ColumnText(6), '\n', absl::SkipEmpty())) {
      std::vector<std::string> parts = absl::StrSplit(line, absl::MaxSplits('\t', 2));
      if (parts.size() != 3) return NotUnderstood(id, "rule evaluation");
      for (std::string* part : {&parts[1], &parts[2]}) {
        std::string plain;
        for (size_t i = 0; i < part->size(); ++i) {
          if ((*part)[i] == '\\' && i + 1 < part->size()) {
            const char next = (*part)[++i];
            plain.push_back(next == 't' ? '\t' : next == 'n' ? '\n' : next);
          } else {
            plain.push_back((*part)[i]);
          }
        }
        *part = std::move(plain);
      }
      d.evaluations.push_back({parts[1], parts[0] == "1", parts[2]});
    }
    record += record::DecisionBytes(d, *state);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  auto attempts = db.Prepare(
      "SELECT number, channel, start_time_us, end_time_us, result, detail, provider_message_id"
      " FROM attempts WHERE notification_id = ?1 ORDER BY number");
  if (!attempts.ok()) return attempts.status();
  status = (*attempts)->Bind(1, id).ForEachRow([&](Statement& r) {
    core::DeliveryAttempt a;
    auto channel = core::ParseChannel(r.ColumnText(1));
    if (!channel) return NotUnderstood(id, "attempt");
    a.number = static_cast<int>(r.ColumnInt(0));
    a.channel = *channel;
    a.start_time = FromMicros(r.ColumnInt(2));
    if (!r.ColumnIsNull(3)) a.end_time = FromMicros(r.ColumnInt(3));
    if (!r.ColumnIsNull(4)) {
      a.result = core::ParseAttemptResult(r.ColumnText(4));
      if (!a.result) return NotUnderstood(id, "attempt result");
    }
    a.detail = r.ColumnText(5);
    a.provider_message_id = r.ColumnText(6);
    record += record::AttemptBytes(a);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  auto changes = db.Prepare(
      "SELECT change_time_us, state, detail FROM state_changes WHERE notification_id = ?1"
      " ORDER BY change_time_us, rowid");
  if (!changes.ok()) return changes.status();
  status = (*changes)->Bind(1, id).ForEachRow([&](Statement& r) {
    auto state = core::ParseNotificationState(r.ColumnText(1));
    if (!state) return NotUnderstood(id, "state change");
    record += record::ChangeBytes({*state, FromMicros(r.ColumnInt(0)), r.ColumnText(2)});
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return record;
}

absl::Status MoveNotifications(Db& db) {
  auto old = db.Prepare(
      "SELECT n.notification_id, e.event_seq, n.customer_id, n.event_type, n.template_name,"
      " n.template_version, n.category, n.subject, n.state, n.channel, n.fallback_channels,"
      " n.create_time_us, n.update_time_us, n.send_time_us, n.defer_until_us,"
      " n.next_attempt_us, n.attempt_count"
      " FROM notifications n JOIN events e ON e.event_id = n.event_id"
      " ORDER BY n.create_time_us, n.notification_id");
  if (!old.ok()) return old.status();
  return (*old)->ForEachRow([&](Statement& r) -> absl::Status {
    const std::string id = r.ColumnText(0);
    absl::StatusOr<std::string> record = PackedHistory(db, id);
    if (!record.ok()) return record.status();
    const std::string state = r.ColumnText(8);
    std::optional<int64_t> due;
    if (state == "QUEUED" && !r.ColumnIsNull(15)) due = r.ColumnInt(15);
    if (state == "DEFERRED" && !r.ColumnIsNull(14)) due = r.ColumnInt(14);
    if (state == "PENDING") due = r.ColumnInt(11);
    auto insert = db.Prepare(
        "INSERT INTO notifications_v6 (notification_id, event_seq, customer_id, event_type,"
        " template_name, template_version, category, subject, state, channel,"
        " fallback_channels, create_time_us, update_time_us, send_time_us, due_us,"
        " attempt_count, record)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)");
    if (!insert.ok()) return insert.status();
    Statement& s = **insert;
    s.Bind(1, id).Bind(2, r.ColumnInt(1)).Bind(3, r.ColumnText(2)).Bind(4, r.ColumnText(3));
    s.Bind(5, r.ColumnText(4)).Bind(6, r.ColumnInt(5));
    if (r.ColumnIsNull(6)) {
      s.Bind(7, std::nullopt);
    } else {
      s.Bind(7, r.ColumnText(6));
    }
    s.Bind(8, r.ColumnText(7)).Bind(9, state);
    if (r.ColumnIsNull(9)) {
      s.Bind(10, std::nullopt);
    } else {
      s.Bind(10, r.ColumnText(9));
    }
    s.Bind(11, r.ColumnText(10)).Bind(12, r.ColumnInt(11)).Bind(13, r.ColumnInt(12));
    s.Bind(14, r.ColumnIsNull(13) ? std::optional<int64_t>() : r.ColumnInt(13));
    s.Bind(15, due).Bind(16, r.ColumnInt(16)).BindBlob(17, *record);
    return s.Run();
  });
}

// Each change the status topic did not have yet becomes a batch of one, keeping its
// sequence number; the cursor says the topic has everything before them.
absl::Status MoveStatusOutbox(Db& db) {
  auto old = db.Prepare(
      "SELECT o.seq, o.notification_id, n.seq, n.customer_id, e.event_id, n.event_type,"
      " n.template_name, n.template_version, n.category, o.previous_state, o.state, o.channel,"
      " o.change_time_us, o.reason, o.detail, o.attempt, o.provider_message_id"
      " FROM status_outbox o JOIN notifications_v6 n ON n.notification_id = o.notification_id"
      " JOIN events e ON e.event_seq = n.event_seq ORDER BY o.seq");
  if (!old.ok()) return old.status();
  std::optional<int64_t> first;
  absl::Status status = (*old)->ForEachRow([&](Statement& r) -> absl::Status {
    StatusChange c;
    c.sequence = r.ColumnInt(0);
    if (!first) first = c.sequence;
    c.notification_id = r.ColumnText(1);
    c.notification_seq = r.ColumnInt(2);
    c.customer_id = r.ColumnText(3);
    c.event_id = r.ColumnText(4);
    c.event_type = r.ColumnText(5);
    c.template_name = r.ColumnText(6);
    c.template_version = r.ColumnInt(7);
    if (!r.ColumnIsNull(8)) c.category = core::ParseCategory(r.ColumnText(8));
    auto previous = core::ParseNotificationState(r.ColumnText(9));
    auto state = core::ParseNotificationState(r.ColumnText(10));
    if (!previous || !state) return NotUnderstood(c.notification_id, "status change");
    c.previous_state = *previous;
    c.state = *state;
    if (!r.ColumnIsNull(11)) c.channel = core::ParseChannel(r.ColumnText(11));
    c.change_time = FromMicros(r.ColumnInt(12));
    c.reason = r.ColumnText(13);
    c.detail = r.ColumnText(14);
    c.attempt = static_cast<int>(r.ColumnInt(15));
    c.provider_message_id = r.ColumnText(16);
    auto insert = db.Prepare(
        "INSERT INTO changes (first_seq, last_seq, commit_time_us, batch) VALUES (?1, ?1, ?2, ?3)");
    if (!insert.ok()) return insert.status();
    return (*insert)
        ->Bind(1, c.sequence)
        .Bind(2, ToMicros(c.change_time))
        .BindBlob(3, record::EncodeChangeBatch({c}))
        .Run();
  });
  if (!status.ok()) return status;
  // Without changes left, the last sequence handed out: numbering goes on after it.
  auto last = db.Prepare("SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = ?1");
  if (!last.ok()) return last.status();
  absl::StatusOr<bool> row = (*last)->Bind(1, "status_outbox").Step();
  if (!row.ok()) return row.status();
  const int64_t published = first ? *first - 1 : (*last)->ColumnInt(0);
  last->reset();
  auto cursor =
      db.Prepare("INSERT INTO change_cursors (name, sequence) VALUES ('status_topic', ?1)");
  if (!cursor.ok()) return cursor.status();
  return (*cursor)->Bind(1, published).Run();
}

}  // namespace

absl::Status MoveToPackedNotifications(Db& db) {
  absl::Status status = MoveNotifications(db);
  if (status.ok()) {
    status = db.Exec(
        "INSERT INTO messages_v6 (notification_seq, channel, position, address, locale, subject,"
        " text_body, html_body, sms_text, sms_encoding, sms_units, sms_segments, render_time_us)"
        " SELECT n.seq, m.channel, m.position, m.address, m.locale, m.subject, m.text_body,"
        " m.html_body, m.sms_text, m.sms_encoding, m.sms_units, m.sms_segments, m.render_time_us"
        " FROM messages m JOIN notifications_v6 n ON n.notification_id = m.notification_id;"
        "INSERT INTO provider_ids (provider_message_id, channel, notification_seq, attempt,"
        " start_time_us)"
        " SELECT a.provider_message_id, a.channel, n.seq, a.number, a.start_time_us"
        " FROM attempts a JOIN notifications_v6 n ON n.notification_id = a.notification_id"
        " WHERE a.provider_message_id != ''");
  }
  if (status.ok()) status = MoveStatusOutbox(db);
  return status;
}

}  // namespace herald::store::sqlite
