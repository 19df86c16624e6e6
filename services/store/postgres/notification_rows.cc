#include "services/store/postgres/notification_rows.h"

#include <algorithm>
#include <charconv>
#include <unordered_map>
#include <unordered_set>

#include "services/core/ownership.h"
#include "services/core/strings.h"
#include "services/store/postgres/rows.h"
#include "services/store/record/records.h"

namespace herald::store::postgres {
namespace {

using core::NotificationState;

using common::kLateSend;
using common::kSentLateSql;

absl::Status NotUnderstood(std::string_view id, std::string_view what) {
  return absl::DataLossError(
      core::StrCat("notification ", id, ": stored ", what, " is not understood"));
}

absl::StatusOr<std::vector<core::Notification>> AllRows(const Result& r, RecordPart part) {
  std::vector<core::Notification> out;
  out.reserve(static_cast<size_t>(r.rows()));
  for (int row = 0; row < r.rows(); ++row) {
    absl::StatusOr<core::Notification> n = FromRow(r, row, part);
    if (!n.ok()) return n.status();
    out.push_back(*std::move(n));
  }
  return out;
}

}  // namespace

const char kNotificationSelect[] =
    "SELECT n.seq, n.notification_id, n.event_seq, e.event_id, n.customer_id, n.event_type,"
    " n.template_name, n.template_version, n.category, n.subject, n.state, n.channel,"
    " n.fallback_channels, n.create_time_us, n.update_time_us, n.send_time_us, n.due_us,"
    " n.attempt_count, n.record, e.trace_id"
    " FROM notifications n JOIN events e ON e.event_seq = n.event_seq";

absl::StatusOr<core::Notification> FromRow(const Result& r, int row, RecordPart part) {
  core::Notification n;
  n.seq = r.Int(row, 0);
  n.notification_id = r.Text(row, 1);
  n.event_seq = r.Int(row, 2);
  n.event_id = r.Text(row, 3);
  n.customer_id = r.Text(row, 4);
  n.event_type = r.Text(row, 5);
  n.template_name = r.Text(row, 6);
  n.template_version = r.Int(row, 7);
  if (!r.IsNull(row, 8)) {
    n.category = core::ParseCategory(r.View(row, 8));
    if (!n.category) return NotUnderstood(n.notification_id, "category");
  }
  n.subject = r.Text(row, 9);
  auto state = core::ParseNotificationState(r.View(row, 10));
  if (!state) return NotUnderstood(n.notification_id, "state");
  n.state = *state;
  if (!r.IsNull(row, 11)) {
    n.channel = core::ParseChannel(r.View(row, 11));
    if (!n.channel) return NotUnderstood(n.notification_id, "channel");
  }
  auto fallbacks = SplitChannels(r.View(row, 12));
  if (!fallbacks) return NotUnderstood(n.notification_id, "fallback channel");
  n.fallback_channels = *std::move(fallbacks);
  n.create_time = FromMicros(r.Int(row, 13));
  n.update_time = FromMicros(r.Int(row, 14));
  n.send_time = OptionalTime(r, row, 15);
  if (n.state == NotificationState::kQueued) n.next_attempt_time = OptionalTime(r, row, 16);
  n.attempt_count = static_cast<int>(r.Int(row, 17));
  // NULL (an event from before traces): none.
  n.trace_id = core::TraceId::FromHex(r.View(row, 19)).value_or(core::TraceId());
  if (part != RecordPart::kNone) {
    absl::Status status = common::AddRecord(n, r.Bytes(row, 18), part);
    if (!status.ok()) return status;
  }
  return n;
}

absl::StatusOr<std::vector<bool>> InsertNotifications(WriteTx& tx,
                                                      const std::vector<NewNotification>& ns) {
  std::vector<bool> created(ns.size(), false);
  if (ns.empty()) return created;
  std::vector<std::string> ids, customers, types, templates, subjects, states, fallbacks, records;
  std::vector<std::optional<std::string>> categories, channels;
  std::vector<int64_t> event_seqs, versions, creates, updates, hashes;
  std::vector<std::optional<int64_t>> sends, dues;
  for (const NewNotification& nn : ns) {
    const core::Notification& n = *nn.notification;
    event_seqs.push_back(nn.event_seq);
    ids.push_back(n.notification_id);
    customers.push_back(n.customer_id);
    hashes.push_back(core::KeyHash(n.customer_id));
    types.push_back(n.event_type);
    templates.push_back(n.template_name);
    versions.push_back(n.template_version);
    categories.push_back(NameOrNull(n.category));
    subjects.push_back(n.subject);
    states.emplace_back(core::Name(n.state));
    channels.push_back(NameOrNull(n.channel));
    fallbacks.push_back(JoinChannels(n.fallback_channels));
    creates.push_back(ToMicros(n.create_time));
    updates.push_back(ToMicros(n.update_time));
    sends.push_back(ToMicros(n.send_time));
    dues.push_back(ToMicros(common::DueOf(n)));
    records.push_back(
        ByteaText(n.decision ? record::DecisionBytes(*n.decision, n.state) : std::string()));
  }
  auto inserted = tx.conn().Exec(
      "INSERT INTO notifications (notification_id, event_seq, customer_id, event_type,"
      " template_name, template_version, category, subject, state, channel, fallback_channels,"
      " create_time_us, update_time_us, send_time_us, due_us, attempt_count, record,"
      " customer_hash)"
      " SELECT u.id, u.event_seq, u.customer, u.type, u.template, u.version, u.category,"
      " u.subject,"
      " u.state, u.channel, u.fallbacks, u.created, u.updated, u.sent, u.due, 0, u.record,"
      " u.hash"
      " FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::bigint[],"
      " $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::bigint[],"
      " $13::bigint[], $14::bigint[], $15::bigint[], $16::bytea[], $17::bigint[])"
      " WITH ORDINALITY AS u(id, event_seq, customer, type, template, version, category,"
      " subject, state, channel, fallbacks, created, updated, sent, due, record, hash,"
      " position)"
      " ORDER BY u.position"
      " ON CONFLICT (notification_id) DO NOTHING RETURNING notification_id, seq",
      Params()
          .AddArray(ids)
          .AddArray(event_seqs)
          .AddArray(customers)
          .AddArray(types)
          .AddArray(templates)
          .AddArray(versions)
          .AddArray(categories)
          .AddArray(subjects)
          .AddArray(states)
          .AddArray(channels)
          .AddArray(fallbacks)
          .AddArray(creates)
          .AddArray(updates)
          .AddArray(sends)
          .AddArray(dues)
          .AddArray(records)
          .AddArray(hashes));
  if (!inserted.ok()) return inserted.status();
  std::unordered_map<std::string_view, int64_t> seqs;
  for (int r = 0; r < inserted->rows(); ++r)
    seqs.emplace(inserted->View(r, 0), inserted->Int(r, 1));
  for (size_t i = 0; i < ns.size(); ++i) {
    core::Notification& n = *ns[i].notification;
    auto it = seqs.find(n.notification_id);
    if (it == seqs.end()) continue;
    n.seq = it->second;
    seqs.erase(it);  // the same id twice in one call: the first is the one
    created[i] = true;
    n.event_seq = ns[i].event_seq;
    if (n.decision && n.state != NotificationState::kPending) {
      tx.AddChange(common::ChangeOf(n, NotificationState::kPending, n.decision->decide_time,
                                    std::string(core::Name(n.decision->reason)),
                                    n.decision->detail));
    }
  }
  return created;
}

absl::StatusOr<std::optional<core::Notification>> ReadNotification(Conn& conn, std::string_view id,
                                                                   RecordPart part, bool lock) {
  auto row = conn.Exec(core::StrCat(kNotificationSelect, " WHERE n.notification_id = $1",
                                    lock ? " FOR UPDATE OF n" : ""),
                       Params().Add(id));
  if (!row.ok()) return row.status();
  if (row->rows() == 0) return std::nullopt;
  absl::StatusOr<core::Notification> n = FromRow(*row, 0, part);
  if (!n.ok()) return n.status();
  return *std::move(n);
}

absl::StatusOr<std::optional<core::Notification>> ReadNotificationBySeq(Conn& conn, int64_t seq,
                                                                        RecordPart part,
                                                                        bool lock) {
  auto row = conn.Exec(
      core::StrCat(kNotificationSelect, " WHERE n.seq = $1", lock ? " FOR UPDATE OF n" : ""),
      Params().Add(seq));
  if (!row.ok()) return row.status();
  if (row->rows() == 0) return std::nullopt;
  absl::StatusOr<core::Notification> n = FromRow(*row, 0, part);
  if (!n.ok()) return n.status();
  return *std::move(n);
}

absl::StatusOr<std::vector<core::Notification>> SelectNotifications(
    Conn& conn, const NotificationFilter& filter, std::string_view after, int limit) {
  // Only the filters that are set, numbered as they come: the SQL text (and its prepared
  // statement) depends only on which ones are.
  std::string sql = core::StrCat(kNotificationSelect, " WHERE true");
  Params params;
  auto next = [&params] { return core::StrCat("$", params.size()); };
  if (!filter.customer_id.empty()) {
    params.Add(filter.customer_id);
    sql += core::StrCat(" AND n.customer_id = ", next());
  }
  if (!filter.event_id.empty()) {
    params.Add(filter.event_id);
    sql += core::StrCat(
        " AND n.event_seq = (SELECT event_seq FROM events WHERE event_id = ", next(), ")");
  }
  if (!filter.template_name.empty()) {
    params.Add(filter.template_name);
    sql += core::StrCat(" AND n.template_name = ", next());
  }
  if (filter.channel) {
    params.Add(core::Name(*filter.channel));
    sql += core::StrCat(" AND n.channel = ", next());
  }
  if (filter.start_time) {
    params.Add(ToMicros(*filter.start_time));
    sql += core::StrCat(" AND n.create_time_us >= ", next());
  }
  if (filter.end_time) {
    params.Add(ToMicros(*filter.end_time));
    sql += core::StrCat(" AND n.create_time_us < ", next());
  }
  if (!filter.states.empty()) {
    std::vector<std::string> states;
    for (core::NotificationState s : filter.states) states.emplace_back(core::Name(s));
    params.AddArray(states);
    sql += core::StrCat(" AND n.state = ANY(", next(), "::text[])");
  }
  if (!after.empty()) {
    int64_t after_seq = 0;
    if (std::from_chars(after.data(), after.data() + after.size(), after_seq).ec != std::errc() ||
        after_seq <= 0) {
      return absl::InvalidArgumentError("is not a notification page key");
    }
    params.Add(after_seq);
    sql += core::StrCat(" AND n.seq < ", next());
  }
  params.Add(limit);
  // A customer's history comes from its index, in creation order; the rest by number.
  sql += core::StrCat(filter.customer_id.empty()
                          ? " ORDER BY n.seq DESC LIMIT "
                          : " ORDER BY n.create_time_us DESC, n.seq DESC LIMIT ",
                      next());
  auto rows = conn.Exec(sql, params);
  if (!rows.ok()) return rows.status();
  return AllRows(*rows, RecordPart::kLatest);
}

absl::StatusOr<std::vector<CustomerContext>> SelectContactHistory(
    Conn& conn, const std::vector<std::string>& customer_ids, core::Time history_since,
    std::string_view event_type, core::Time events_since) {
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < customer_ids.size(); ++i) index.emplace(customer_ids[i], i);
  std::vector<CustomerContext> out(customer_ids.size());
  std::unordered_set<int64_t> seen;
  const common::ContextQuery query{history_since, event_type, events_since};
  auto take = [&](const Result& r) -> absl::Status {
    for (int row = 0; row < r.rows(); ++row) {
      const int64_t seq = r.Int(row, 1);
      if (!seen.insert(seq).second) continue;
      const size_t i = index.at(r.Text(row, 0));
      core::Notification n;
      n.seq = seq;
      n.notification_id = r.Text(row, 2);
      n.event_seq = r.Int(row, 3);
      n.event_id = r.Text(row, 4);
      n.customer_id = customer_ids[i];
      n.event_type = r.Text(row, 5);
      n.template_name = r.Text(row, 6);
      n.template_version = r.Int(row, 7);
      if (!r.IsNull(row, 8)) n.category = core::ParseCategory(r.View(row, 8));
      n.subject = r.Text(row, 9);
      auto state = core::ParseNotificationState(r.View(row, 10));
      if (!state) return NotUnderstood(n.notification_id, "state");
      n.state = *state;
      if (!r.IsNull(row, 11)) n.channel = core::ParseChannel(r.View(row, 11));
      n.create_time = FromMicros(r.Int(row, 12));
      n.update_time = FromMicros(r.Int(row, 13));
      n.send_time = OptionalTime(r, row, 14);
      common::AddToContext(out[i], std::move(n), FromMicros(r.Int(row, 15)), query);
    }
    return absl::OkStatus();
  };
  constexpr char kColumns[] =
      "SELECT n.customer_id, n.seq, n.notification_id, n.event_seq, e.event_id, n.event_type,"
      " n.template_name, n.template_version, n.category, n.subject, n.state, n.channel,"
      " n.create_time_us, n.update_time_us, n.send_time_us, e.occur_time_us"
      " FROM notifications n JOIN events e ON e.event_seq = n.event_seq"
      " WHERE n.customer_id = ANY($1::text[])";
  // What was made since (a notification let through within the hour it was made, and
  // the events asked for: they are recorded when they arrive)...
  const core::Time since = std::min(history_since - kLateSend, events_since - kLateSend);
  auto made = conn.Exec(core::StrCat(kColumns, " AND n.create_time_us >= $2"),
                        Params().AddArray(customer_ids).Add(ToMicros(since)));
  if (!made.ok()) return made.status();
  if (absl::Status s = take(*made); !s.ok()) return s;
  // ... and what was let through since, long after it was made.
  auto late = conn.Exec(core::StrCat(kColumns, " AND n.send_time_us >= $2 AND ", kSentLateSql),
                        Params().AddArray(customer_ids).Add(ToMicros(history_since)));
  if (!late.ok()) return late.status();
  if (absl::Status s = take(*late); !s.ok()) return s;
  return out;
}

namespace {

// Of the customers `owned` names: the partition of their key hash (parameter `first`:
// the partitions) is one of parameter first + 1. Rows an earlier version stored have no
// hash: every instance's.
std::string OwnedOnly(int first) {
  return core::StrCat(" AND (n.customer_hash IS NULL OR n.customer_hash % $", first, " = ANY($",
                      first + 1, "::bigint[]))");
}

void AddOwned(Params& params, const core::OwnedPartitions& owned) {
  params.Add(int64_t{owned.count})
      .AddArray(std::vector<int64_t>(owned.partitions.begin(), owned.partitions.end()));
}

}  // namespace

absl::StatusOr<std::vector<core::Notification>> SelectDueDecisions(
    Conn& conn, core::Time now, int limit, const std::optional<core::OwnedPartitions>& owned) {
  if (owned && owned->count <= 0) return std::vector<core::Notification>();
  Params params;
  params.Add(ToMicros(now)).Add(limit);
  if (owned) AddOwned(params, *owned);
  auto rows =
      conn.Exec(core::StrCat(kNotificationSelect,
                             " WHERE n.state IN ('DEFERRED', 'PENDING') AND n.due_us <= $1",
                             owned ? OwnedOnly(3) : "", " ORDER BY n.due_us, n.seq LIMIT $2"),
                params);
  if (!rows.ok()) return rows.status();
  return AllRows(*rows, RecordPart::kLatest);
}

absl::StatusOr<std::optional<core::Time>> SelectNextDeferTime(
    Conn& conn, const std::optional<core::OwnedPartitions>& owned) {
  if (owned && owned->count <= 0) return std::nullopt;
  Params params;
  if (owned) AddOwned(params, *owned);
  auto row = conn.Exec(core::StrCat("SELECT MIN(n.due_us) FROM notifications n"
                                    " WHERE n.state IN ('DEFERRED', 'PENDING')",
                                    owned ? OwnedOnly(1) : ""),
                       params);
  if (!row.ok()) return row.status();
  return OptionalTime(*row, 0, 0);
}

absl::StatusOr<int64_t> CountInStates(Conn& conn,
                                      const std::vector<core::NotificationState>& states) {
  int64_t count = 0;
  for (NotificationState state : states) {
    // The state as a literal, so that the partial index that holds it is used.
    auto row = conn.Exec(
        core::StrCat("SELECT COUNT(*) FROM notifications WHERE state = '", core::Name(state), "'"));
    if (!row.ok()) return row.status();
    count += row->Int(0, 0);
  }
  return count;
}

absl::StatusOr<NotificationBacklog> SelectBacklog(Conn& conn) {
  NotificationBacklog backlog;
  for (NotificationState state : common::kBacklogStates) {
    auto rows = conn.Exec(common::BacklogQuery(state));
    if (!rows.ok()) return rows.status();
    for (int i = 0; i < rows->rows(); ++i) {
      backlog.counts.push_back(
          {.state = state,
           .channel = rows->IsNull(i, 0) ? std::nullopt : core::ParseChannel(rows->Text(i, 0)),
           .count = rows->Int(i, 1)});
      if (state == NotificationState::kQueued && !rows->IsNull(i, 2)) {
        const core::Time sent = FromMicros(rows->Int(i, 2));
        if (!backlog.oldest_queued || sent < *backlog.oldest_queued) backlog.oldest_queued = sent;
      }
      if (state == NotificationState::kDeferred && !rows->IsNull(i, 3)) {
        const core::Time due = FromMicros(rows->Int(i, 3));
        if (!backlog.first_deferred_due || due < *backlog.first_deferred_due) {
          backlog.first_deferred_due = due;
        }
      }
    }
  }
  return backlog;
}

}  // namespace herald::store::postgres
