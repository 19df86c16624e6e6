#include "services/store/sqlite/notification_rows.h"

#include <algorithm>
#include <charconv>
#include <unordered_map>
#include <unordered_set>

#include "services/core/strings.h"
#include "services/store/record/records.h"
#include "services/store/sqlite/rows.h"

namespace herald::store::sqlite {
namespace {

using core::NotificationState;

using common::kLateSend;
using common::kSentLateSql;

absl::Status NotUnderstood(std::string_view id, std::string_view what) {
  return absl::DataLossError(
      core::StrCat("notification ", id, ": stored ", what, " is not understood"));
}

absl::Status ForEachNotification(Statement& s, RecordPart part,
                                 std::vector<core::Notification>& out) {
  return s.ForEachRow([&](Statement& r) {
    absl::StatusOr<core::Notification> n = FromRow(r, part);
    if (!n.ok()) return n.status();
    out.push_back(*std::move(n));
    return absl::OkStatus();
  });
}

}  // namespace

const char kNotificationSelect[] =
    "SELECT n.seq, n.notification_id, n.event_seq, e.event_id, n.customer_id, n.event_type,"
    " n.template_name, n.template_version, n.category, n.subject, n.state, n.channel,"
    " n.fallback_channels, n.create_time_us, n.update_time_us, n.send_time_us, n.due_us,"
    " n.attempt_count, n.record, e.trace_id"
    " FROM notifications n JOIN events e ON e.event_seq = n.event_seq";

absl::StatusOr<core::Notification> FromRow(const Statement& r, RecordPart part) {
  core::Notification n;
  n.seq = r.ColumnInt(0);
  n.notification_id = r.ColumnText(1);
  n.event_seq = r.ColumnInt(2);
  n.event_id = r.ColumnText(3);
  n.customer_id = r.ColumnText(4);
  n.event_type = r.ColumnText(5);
  n.template_name = r.ColumnText(6);
  n.template_version = r.ColumnInt(7);
  if (!r.ColumnIsNull(8)) {
    n.category = core::ParseCategory(r.ColumnView(8));
    if (!n.category) return NotUnderstood(n.notification_id, "category");
  }
  n.subject = r.ColumnText(9);
  auto state = core::ParseNotificationState(r.ColumnView(10));
  if (!state) return NotUnderstood(n.notification_id, "state");
  n.state = *state;
  if (!r.ColumnIsNull(11)) {
    n.channel = core::ParseChannel(r.ColumnView(11));
    if (!n.channel) return NotUnderstood(n.notification_id, "channel");
  }
  auto fallbacks = SplitChannels(r.ColumnView(12));
  if (!fallbacks) return NotUnderstood(n.notification_id, "fallback channel");
  n.fallback_channels = *std::move(fallbacks);
  n.create_time = FromMicros(r.ColumnInt(13));
  n.update_time = FromMicros(r.ColumnInt(14));
  n.send_time = OptionalTime(r, 15);
  if (n.state == NotificationState::kQueued) n.next_attempt_time = OptionalTime(r, 16);
  n.attempt_count = static_cast<int>(r.ColumnInt(17));
  // NULL (an event from before traces): none.
  n.trace_id = core::TraceId::FromHex(r.ColumnView(19)).value_or(core::TraceId());
  absl::Status status = common::AddRecord(n, r.ColumnView(18), part);
  if (!status.ok()) return status;
  return n;
}

absl::StatusOr<bool> InsertNotification(WriteTx& tx, core::Notification& n, int64_t event_seq) {
  auto insert = tx.db().Prepare(
      "INSERT INTO notifications (notification_id, event_seq, customer_id, event_type,"
      " template_name, template_version, category, subject, state, channel, fallback_channels,"
      " create_time_us, update_time_us, send_time_us, due_us, attempt_count, record)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, 0, ?16)"
      " ON CONFLICT (notification_id) DO NOTHING");
  if (!insert.ok()) return insert.status();
  Statement& s = **insert;
  BindName(s, 7, n.category);
  BindName(s, 10, n.channel);
  const std::string record =
      n.decision ? record::DecisionBytes(*n.decision, n.state) : std::string();
  absl::StatusOr<bool> inserted = s.Bind(1, n.notification_id)
                                      .Bind(2, event_seq)
                                      .Bind(3, n.customer_id)
                                      .Bind(4, n.event_type)
                                      .Bind(5, n.template_name)
                                      .Bind(6, n.template_version)
                                      .Bind(8, n.subject)
                                      .Bind(9, core::Name(n.state))
                                      .Bind(11, JoinChannels(n.fallback_channels))
                                      .Bind(12, ToMicros(n.create_time))
                                      .Bind(13, ToMicros(n.update_time))
                                      .Bind(14, ToMicros(n.send_time))
                                      .Bind(15, ToMicros(common::DueOf(n)))
                                      .BindBlob(16, record)
                                      .RunChanged();
  if (!inserted.ok() || !*inserted) return inserted;
  n.seq = tx.db().LastInsertRowId();
  n.event_seq = event_seq;
  if (n.decision && n.state != NotificationState::kPending) {
    StatusChange change = ChangeOf(n, NotificationState::kPending, n.decision->decide_time,
                                   std::string(core::Name(n.decision->reason)), n.decision->detail);
    tx.AddChange(std::move(change));
  }
  return true;
}

absl::StatusOr<std::optional<core::Notification>> ReadNotification(Db& db, std::string_view id,
                                                                   RecordPart part) {
  auto query = db.Prepare(core::StrCat(kNotificationSelect, " WHERE n.notification_id = ?1"));
  if (!query.ok()) return query.status();
  absl::StatusOr<bool> found = (*query)->Bind(1, id).Step();
  if (!found.ok()) return found.status();
  if (!*found) return std::nullopt;
  absl::StatusOr<core::Notification> n = FromRow(**query, part);
  if (!n.ok()) return n.status();
  return *std::move(n);
}

absl::StatusOr<std::optional<core::Notification>> ReadNotificationBySeq(Db& db, int64_t seq,
                                                                        RecordPart part) {
  auto query = db.Prepare(core::StrCat(kNotificationSelect, " WHERE n.seq = ?1"));
  if (!query.ok()) return query.status();
  absl::StatusOr<bool> found = (*query)->Bind(1, seq).Step();
  if (!found.ok()) return found.status();
  if (!*found) return std::nullopt;
  absl::StatusOr<core::Notification> n = FromRow(**query, part);
  if (!n.ok()) return n.status();
  return *std::move(n);
}

absl::StatusOr<std::vector<core::Notification>> SelectNotifications(
    Db& db, const NotificationFilter& filter, std::string_view after, int limit) {
  // Parameters are numbered by purpose, so the SQL text (and its cached statement)
  // depends only on which filters are set.
  std::string sql = core::StrCat(kNotificationSelect, " WHERE 1");
  if (!filter.customer_id.empty()) sql += " AND n.customer_id = ?1";
  if (!filter.event_id.empty()) {
    sql += " AND n.event_seq = (SELECT event_seq FROM events WHERE event_id = ?2)";
  }
  if (!filter.template_name.empty()) sql += " AND n.template_name = ?3";
  if (filter.channel) sql += " AND n.channel = ?9";
  if (filter.start_time) sql += " AND n.create_time_us >= ?4";
  if (filter.end_time) sql += " AND n.create_time_us < ?5";
  if (!filter.states.empty()) {
    sql += " AND n.state IN (";
    for (size_t i = 0; i < filter.states.size(); ++i) {
      core::StrAppend(sql, i == 0 ? "" : ", ", "?", 20 + static_cast<int>(i));
    }
    sql += ")";
  }
  int64_t after_seq = 0;
  if (!after.empty()) {
    if (std::from_chars(after.data(), after.data() + after.size(), after_seq).ec != std::errc() ||
        after_seq <= 0) {
      return absl::InvalidArgumentError("is not a notification page key");
    }
    sql += " AND n.seq < ?6";
  }
  // A customer's history comes from its index, in creation order; the rest by number.
  sql += filter.customer_id.empty() ? " ORDER BY n.seq DESC LIMIT ?8"
                                    : " ORDER BY n.create_time_us DESC, n.seq DESC LIMIT ?8";
  auto query = db.Prepare(sql);
  if (!query.ok()) return query.status();
  Statement& s = **query;
  if (!filter.customer_id.empty()) s.Bind(1, filter.customer_id);
  if (!filter.event_id.empty()) s.Bind(2, filter.event_id);
  if (!filter.template_name.empty()) s.Bind(3, filter.template_name);
  if (filter.channel) s.Bind(9, core::Name(*filter.channel));
  if (filter.start_time) s.Bind(4, ToMicros(*filter.start_time));
  if (filter.end_time) s.Bind(5, ToMicros(*filter.end_time));
  for (size_t i = 0; i < filter.states.size(); ++i) {
    s.Bind(20 + static_cast<int>(i), core::Name(filter.states[i]));
  }
  if (!after.empty()) s.Bind(6, after_seq);
  s.Bind(8, int64_t{limit});
  std::vector<core::Notification> out;
  absl::Status status = ForEachNotification(s, RecordPart::kLatest, out);
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<std::vector<CustomerContext>> SelectContactHistory(
    Db& db, const std::vector<std::string>& customer_ids, core::Time history_since,
    std::string_view event_type, core::Time events_since) {
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < customer_ids.size(); ++i) index.emplace(customer_ids[i], i);
  std::vector<CustomerContext> out(customer_ids.size());
  std::unordered_set<int64_t> seen;
  const common::ContextQuery query{history_since, event_type, events_since};
  auto take = [&](Statement& r) -> absl::Status {
    const int64_t seq = r.ColumnInt(1);
    if (!seen.insert(seq).second) return absl::OkStatus();
    const size_t i = index.at(r.ColumnText(0));
    core::Notification n;
    n.seq = seq;
    n.notification_id = r.ColumnText(2);
    n.event_seq = r.ColumnInt(3);
    n.event_id = r.ColumnText(4);
    n.customer_id = customer_ids[i];
    n.event_type = r.ColumnText(5);
    n.template_name = r.ColumnText(6);
    n.template_version = r.ColumnInt(7);
    if (!r.ColumnIsNull(8)) n.category = core::ParseCategory(r.ColumnView(8));
    n.subject = r.ColumnText(9);
    auto state = core::ParseNotificationState(r.ColumnView(10));
    if (!state) return NotUnderstood(n.notification_id, "state");
    n.state = *state;
    if (!r.ColumnIsNull(11)) n.channel = core::ParseChannel(r.ColumnView(11));
    n.create_time = FromMicros(r.ColumnInt(12));
    n.update_time = FromMicros(r.ColumnInt(13));
    n.send_time = OptionalTime(r, 14);
    common::AddToContext(out[i], std::move(n), FromMicros(r.ColumnInt(15)), query);
    return absl::OkStatus();
  };
  constexpr char kColumns[] =
      "SELECT n.customer_id, n.seq, n.notification_id, n.event_seq, e.event_id, n.event_type,"
      " n.template_name, n.template_version, n.category, n.subject, n.state, n.channel,"
      " n.create_time_us, n.update_time_us, n.send_time_us, e.occur_time_us FROM json_each(?1) j";
  const std::string ids = JsonArray(customer_ids);
  // What was made since (a notification let through within the hour it was made, and
  // the events asked for: they are recorded when they arrive)...
  auto made = db.Prepare(core::StrCat(kColumns,
                                      " JOIN notifications n INDEXED BY notifications_by_customer"
                                      " ON n.customer_id = j.value AND n.create_time_us >= ?2"
                                      " JOIN events e ON e.event_seq = n.event_seq"));
  if (!made.ok()) return made.status();
  const core::Time since = std::min(history_since - kLateSend, events_since - kLateSend);
  absl::Status status = (*made)->Bind(1, ids).Bind(2, ToMicros(since)).ForEachRow(take);
  if (!status.ok()) return status;
  made->reset();
  // ... and what was let through since, long after it was made.
  auto late = db.Prepare(core::StrCat(kColumns,
                                      " JOIN notifications n INDEXED BY notifications_sent_late"
                                      " ON n.customer_id = j.value AND n.send_time_us >= ?2 AND ",
                                      kSentLateSql, " JOIN events e ON e.event_seq = n.event_seq"));
  if (!late.ok()) return late.status();
  status = (*late)->Bind(1, ids).Bind(2, ToMicros(history_since)).ForEachRow(take);
  if (!status.ok()) return status;
  return out;
}

namespace {

// Of the customers `owned` names: their key's partition (?3 partitions) is in the JSON
// array ?4 (herald_key_hash is Kafka's partitioner's hash, see sqlite_db.cc).
constexpr char kOwnedOnly[] =
    " AND herald_key_hash(n.customer_id) % ?3 IN (SELECT value FROM json_each(?4))";

std::string PartitionList(const core::OwnedPartitions& owned) {
  std::string out = "[";
  for (size_t i = 0; i < owned.partitions.size(); ++i) {
    core::StrAppend(out, i == 0 ? "" : ",", owned.partitions[i]);
  }
  return out + "]";
}

}  // namespace

absl::StatusOr<std::vector<core::Notification>> SelectDueDecisions(
    Db& db, core::Time now, int limit, const std::optional<core::OwnedPartitions>& owned) {
  if (owned && owned->count <= 0) return std::vector<core::Notification>();
  auto query = db.Prepare(core::StrCat(
      "SELECT n.seq, n.notification_id, n.event_seq, e.event_id, n.customer_id, n.event_type,"
      " n.template_name, n.template_version, n.category, n.subject, n.state, n.channel,"
      " n.fallback_channels, n.create_time_us, n.update_time_us, n.send_time_us, n.due_us,"
      " n.attempt_count, n.record, e.trace_id"
      " FROM notifications n INDEXED BY notifications_waiting"
      " JOIN events e ON e.event_seq = n.event_seq"
      " WHERE n.state IN ('DEFERRED', 'PENDING') AND n.due_us <= ?1",
      owned ? kOwnedOnly : "", " ORDER BY n.due_us, n.seq LIMIT ?2"));
  if (!query.ok()) return query.status();
  (*query)->Bind(1, ToMicros(now)).Bind(2, int64_t{limit});
  if (owned) (*query)->Bind(3, int64_t{owned->count}).Bind(4, PartitionList(*owned));
  std::vector<core::Notification> out;
  absl::Status status = ForEachNotification(**query, RecordPart::kLatest, out);
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<std::optional<core::Time>> SelectNextDeferTime(
    Db& db, const std::optional<core::OwnedPartitions>& owned) {
  if (owned && owned->count <= 0) return std::nullopt;
  auto query = db.Prepare(
      core::StrCat("SELECT MIN(n.due_us) FROM notifications n INDEXED BY notifications_waiting"
                   " WHERE n.state IN ('DEFERRED', 'PENDING')",
                   owned ? kOwnedOnly : ""));
  if (!query.ok()) return query.status();
  if (owned) (*query)->Bind(3, int64_t{owned->count}).Bind(4, PartitionList(*owned));
  absl::StatusOr<bool> row = (*query)->Step();
  if (!row.ok()) return row.status();
  return OptionalTime(**query, 0);
}

absl::StatusOr<int64_t> CountInStates(Db& db, const std::vector<core::NotificationState>& states) {
  int64_t count = 0;
  for (NotificationState state : states) {
    // The state as a literal, so that the partial index that holds it is used.
    std::string sql =
        core::StrCat("SELECT COUNT(*) FROM notifications WHERE state = '", core::Name(state), "'");
    if (state == NotificationState::kDeferred || state == NotificationState::kPending) {
      sql += " AND state IN ('DEFERRED', 'PENDING')";
    }
    auto query = db.Prepare(sql);
    if (!query.ok()) return query.status();
    absl::StatusOr<bool> row = (*query)->Step();
    if (!row.ok()) return row.status();
    count += (*query)->ColumnInt(0);
  }
  return count;
}

absl::StatusOr<NotificationBacklog> SelectBacklog(Db& db) {
  NotificationBacklog backlog;
  for (NotificationState state : common::kBacklogStates) {
    auto query = db.Prepare(common::BacklogQuery(state));
    if (!query.ok()) return query.status();
    absl::Status status = (*query)->ForEachRow([&](Statement& row) {
      backlog.counts.push_back(
          {.state = state,
           .channel = row.ColumnIsNull(0) ? std::nullopt : core::ParseChannel(row.ColumnText(0)),
           .count = row.ColumnInt(1)});
      if (state == NotificationState::kQueued && !row.ColumnIsNull(2)) {
        const core::Time sent = FromMicros(row.ColumnInt(2));
        if (!backlog.oldest_queued || sent < *backlog.oldest_queued) backlog.oldest_queued = sent;
      }
      if (state == NotificationState::kDeferred && !row.ColumnIsNull(3)) {
        const core::Time due = FromMicros(row.ColumnInt(3));
        if (!backlog.first_deferred_due || due < *backlog.first_deferred_due) {
          backlog.first_deferred_due = due;
        }
      }
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
  }
  return backlog;
}

}  // namespace herald::store::sqlite
