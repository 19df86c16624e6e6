#include <algorithm>
#include <charconv>
#include <iterator>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/core/strings.h"
#include "services/store/sqlite/rows.h"

namespace herald::store::sqlite {
namespace {

// A notification's own columns, then its latest decision's (NULLs when it has none).
constexpr char kNotificationColumns[] =
    "n.notification_id, n.event_id, n.customer_id, n.event_type, n.template_name, n.state,"
    " n.create_time_us, n.update_time_us, n.channel, n.template_version, n.category, n.subject,"
    " n.fallback_channels, n.send_time_us, n.defer_until_us, n.attempt_count, n.next_attempt_us";
const std::string& Columns() {
  static const std::string* const kColumns = new std::string(
      core::StrCat(kNotificationColumns,
                   ", d.decide_time_us, d.outcome, d.reason, d.rule, d.detail, d.defer_until_us, "
                   "d.evaluations"));
  return *kColumns;
}
constexpr char kFrom[] =
    " FROM notifications n LEFT JOIN decisions d"
    " ON d.notification_id = n.notification_id AND d.seq = n.decision_count";
constexpr int kDecisionColumn = 17;

std::optional<core::Time> OptionalTime(const Statement& r, int index) {
  if (r.ColumnIsNull(index)) return std::nullopt;
  return FromMicros(r.ColumnInt(index));
}

std::string Escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string Unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\' || i + 1 == text.size()) {
      out.push_back(text[i]);
      continue;
    }
    const char next = text[++i];
    out.push_back(next == 't' ? '\t' : next == 'n' ? '\n' : next);
  }
  return out;
}

std::string EncodeEvaluations(const std::vector<core::RuleEvaluation>& evaluations) {
  std::string out;
  for (const core::RuleEvaluation& e : evaluations) {
    core::StrAppend(out, out.empty() ? "" : "\n", e.passed ? "1" : "0", "\t", Escape(e.rule), "\t",
                    Escape(e.detail));
  }
  return out;
}

absl::StatusOr<std::vector<core::RuleEvaluation>> DecodeEvaluations(std::string_view text) {
  std::vector<core::RuleEvaluation> out;
  for (absl::string_view line : absl::StrSplit(core::ToAbsl(text), '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> parts = absl::StrSplit(line, absl::MaxSplits('\t', 2));
    if (parts.size() != 3 || (parts[0] != "0" && parts[0] != "1")) {
      return absl::DataLossError("stored rule evaluations are not understood");
    }
    out.push_back(
        {Unescape(core::ToStd(parts[1])), parts[0] == "1", Unescape(core::ToStd(parts[2]))});
  }
  return out;
}

std::string JoinChannels(const std::vector<core::Channel>& channels) {
  std::vector<std::string> names;
  for (core::Channel c : channels) names.emplace_back(core::Name(c));
  return absl::StrJoin(names, ",");
}

// Decision columns start at `first`: decide_time, outcome, reason, rule, detail,
// defer_until, evaluations.
absl::StatusOr<core::Decision> DecisionFromRow(const Statement& r, int first,
                                               std::string_view notification_id) {
  core::Decision d;
  auto outcome = core::ParseDecisionOutcome(r.ColumnText(first + 1));
  auto reason = core::ParseDecisionReason(r.ColumnText(first + 2));
  const std::string encoded = r.ColumnText(first + 6);
  absl::StatusOr<std::vector<core::RuleEvaluation>> evaluations = DecodeEvaluations(encoded);
  if (!outcome || !reason || !evaluations.ok()) {
    return absl::DataLossError(
        core::StrCat("notification ", notification_id, ": stored decision is not understood"));
  }
  d.decide_time = FromMicros(r.ColumnInt(first));
  d.outcome = *outcome;
  d.reason = *reason;
  d.rule = r.ColumnText(first + 3);
  d.detail = r.ColumnText(first + 4);
  d.defer_until = OptionalTime(r, first + 5);
  d.evaluations = *std::move(evaluations);
  return d;
}

absl::StatusOr<core::Notification> FromRow(const Statement& r) {
  core::Notification n;
  n.notification_id = r.ColumnText(0);
  n.event_id = r.ColumnText(1);
  n.customer_id = r.ColumnText(2);
  n.event_type = r.ColumnText(3);
  n.template_name = r.ColumnText(4);
  auto not_understood = [&](std::string_view what) {
    return absl::DataLossError(
        core::StrCat("notification ", n.notification_id, ": stored ", what, " is not understood"));
  };
  auto state = core::ParseNotificationState(r.ColumnText(5));
  if (!state) return not_understood("state");
  n.state = *state;
  n.create_time = FromMicros(r.ColumnInt(6));
  n.update_time = FromMicros(r.ColumnInt(7));
  if (!r.ColumnIsNull(8)) {
    n.channel = core::ParseChannel(r.ColumnText(8));
    if (!n.channel) return not_understood("channel");
  }
  n.template_version = r.ColumnInt(9);
  if (!r.ColumnIsNull(10)) {
    n.category = core::ParseCategory(r.ColumnText(10));
    if (!n.category) return not_understood("category");
  }
  n.subject = r.ColumnText(11);
  const std::string fallback = r.ColumnText(12);
  for (absl::string_view name : absl::StrSplit(fallback, ',', absl::SkipEmpty())) {
    auto channel = core::ParseChannel(core::ToStd(name));
    if (!channel) return not_understood("fallback channel");
    n.fallback_channels.push_back(*channel);
  }
  n.send_time = OptionalTime(r, 13);
  n.attempt_count = static_cast<int>(r.ColumnInt(15));
  n.next_attempt_time = OptionalTime(r, 16);
  if (!r.ColumnIsNull(kDecisionColumn)) {
    absl::StatusOr<core::Decision> d = DecisionFromRow(r, kDecisionColumn, n.notification_id);
    if (!d.ok()) return d.status();
    n.decision = *std::move(d);
  }
  return n;
}

// An enum's stored name, or NULL when unset.
template <typename E>
void BindName(Statement& s, int index, const std::optional<E>& value) {
  if (value) {
    s.Bind(index, core::Name(*value));
  } else {
    s.Bind(index, std::nullopt);
  }
}

absl::Status ForEachNotification(Statement& s, std::vector<core::Notification>& out) {
  return s.ForEachRow([&](Statement& r) {
    absl::StatusOr<core::Notification> n = FromRow(r);
    if (!n.ok()) return n.status();
    out.push_back(*std::move(n));
    return absl::OkStatus();
  });
}

}  // namespace

absl::StatusOr<bool> InsertEvent(Db& db, const EventRecord& record) {
  auto insert = db.Prepare(
      "INSERT INTO events (event_id, event_type, occur_time_us, source, customer_count,"
      " content_type, body, origin, receive_time_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
      " ON CONFLICT (event_id) DO NOTHING");
  if (!insert.ok()) return insert.status();
  const core::Event& e = record.event;
  return (*insert)
      ->Bind(1, e.event_id)
      .Bind(2, e.event_type)
      .Bind(3, ToMicros(e.occur_time))
      .Bind(4, e.source)
      .Bind(5, static_cast<int64_t>(e.customer_ids.size()))
      .Bind(6, record.content_type)
      .BindBlob(7, record.body)
      .Bind(8, record.origin)
      .Bind(9, ToMicros(record.receive_time))
      .RunChanged();
}

absl::StatusOr<std::optional<EventRecord>> ReadEvent(Db& db, std::string_view event_id) {
  auto query = db.Prepare(
      "SELECT content_type, body, origin, receive_time_us, event_type, occur_time_us, source"
      " FROM events WHERE event_id = ?1");
  if (!query.ok()) return query.status();
  absl::StatusOr<bool> found = (*query)->Bind(1, event_id).Step();
  if (!found.ok()) return found.status();
  if (!*found) return std::nullopt;
  const Statement& r = **query;
  EventRecord record;
  record.content_type = r.ColumnText(0);
  record.body = r.ColumnText(1);
  record.origin = r.ColumnText(2);
  record.receive_time = FromMicros(r.ColumnInt(3));
  record.event.event_id = std::string(event_id);
  record.event.event_type = r.ColumnText(4);
  record.event.occur_time = FromMicros(r.ColumnInt(5));
  record.event.source = r.ColumnText(6);
  return record;
}

absl::StatusOr<bool> InsertNotification(Db& db, const core::Notification& n) {
  auto insert = db.Prepare(
      "INSERT INTO notifications (notification_id, event_id, customer_id, event_type,"
      " template_name, state, create_time_us, update_time_us, channel, template_version,"
      " category, subject) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
      " ON CONFLICT (notification_id) DO NOTHING");
  if (!insert.ok()) return insert.status();
  Statement& s = **insert;
  BindName(s, 9, n.channel);
  BindName(s, 11, n.category);
  return s.Bind(1, n.notification_id)
      .Bind(2, n.event_id)
      .Bind(3, n.customer_id)
      .Bind(4, n.event_type)
      .Bind(5, n.template_name)
      .Bind(6, core::Name(n.state))
      .Bind(7, ToMicros(n.create_time))
      .Bind(8, ToMicros(n.update_time))
      .Bind(10, n.template_version)
      .Bind(12, n.subject)
      .RunChanged();
}

absl::StatusOr<std::optional<core::Notification>> ReadNotification(Db& db, std::string_view id) {
  auto query =
      db.Prepare(core::StrCat("SELECT ", Columns(), kFrom, " WHERE n.notification_id = ?1"));
  if (!query.ok()) return query.status();
  absl::StatusOr<bool> found = (*query)->Bind(1, id).Step();
  if (!found.ok()) return found.status();
  if (!*found) return std::nullopt;
  absl::StatusOr<core::Notification> n = FromRow(**query);
  if (!n.ok()) return n.status();
  return *std::move(n);
}

std::string NotificationPageKey(const core::Notification& n) {
  return core::StrCat(ToMicros(n.create_time), "/", n.notification_id);
}

std::string NotificationChangeKey(const core::Notification& n) {
  return core::StrCat(ToMicros(n.update_time), "/", n.notification_id);
}

absl::StatusOr<std::vector<core::Notification>> SelectNotifications(
    Db& db, const NotificationFilter& filter, std::string_view after, int limit,
    bool change_order) {
  // Parameters are numbered by purpose, so the SQL text (and its cached statement)
  // depends only on which filters are set.
  std::string sql = core::StrCat("SELECT ", Columns(), kFrom, " WHERE 1");
  if (!filter.customer_id.empty()) sql += " AND n.customer_id = ?1";
  if (!filter.event_id.empty()) sql += " AND n.event_id = ?2";
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
  int64_t after_time = 0;
  std::string_view after_id;
  if (!after.empty()) {
    const size_t slash = after.find('/');
    if (slash == std::string_view::npos ||
        std::from_chars(after.data(), after.data() + slash, after_time).ec != std::errc()) {
      return absl::InvalidArgumentError("is not a notification page key");
    }
    after_id = after.substr(slash + 1);
    sql +=
        change_order
            ? " AND (n.update_time_us > ?6 OR (n.update_time_us = ?6 AND n.notification_id > ?7))"
            : " AND (n.create_time_us < ?6 OR (n.create_time_us = ?6 AND n.notification_id < ?7))";
  }
  sql += change_order ? " ORDER BY n.update_time_us, n.notification_id LIMIT ?8"
                      : " ORDER BY n.create_time_us DESC, n.notification_id DESC LIMIT ?8";

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
  if (!after.empty()) s.Bind(6, after_time).Bind(7, after_id);
  s.Bind(8, int64_t{limit});
  std::vector<core::Notification> out;
  absl::Status status = ForEachNotification(s, out);
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<std::vector<core::Notification>> SelectDecisionWork(Db& db, core::Time now,
                                                                   int limit) {
  std::vector<core::Notification> pending;
  std::vector<core::Notification> due;
  auto query = db.Prepare(core::StrCat("SELECT ", Columns(), kFrom,
                                       " WHERE n.state = 'PENDING'"
                                       " ORDER BY n.create_time_us, n.notification_id LIMIT ?1"));
  if (!query.ok()) return query.status();
  absl::Status status = ForEachNotification((*query)->Bind(1, int64_t{limit}), pending);
  if (!status.ok()) return status;
  query->reset();
  // The partial index holds only DEFERRED rows, in due order.
  query = db.Prepare(core::StrCat("SELECT ", Columns(),
                                  " FROM notifications n INDEXED BY notifications_due"
                                  " LEFT JOIN decisions d ON d.notification_id = n.notification_id"
                                  " AND d.seq = n.decision_count"
                                  " WHERE n.state = 'DEFERRED' AND n.defer_until_us <= ?1"
                                  " ORDER BY n.defer_until_us, n.notification_id LIMIT ?2"));
  if (!query.ok()) return query.status();
  status = ForEachNotification((*query)->Bind(1, ToMicros(now)).Bind(2, int64_t{limit}), due);
  if (!status.ok()) return status;
  // Oldest first: pending by creation, deferred by when they became due.
  auto when = [](const core::Notification& n) {
    return n.state == core::NotificationState::kDeferred && n.decision && n.decision->defer_until
               ? *n.decision->defer_until
               : n.create_time;
  };
  std::vector<core::Notification> out;
  out.reserve(pending.size() + due.size());
  std::merge(
      std::make_move_iterator(pending.begin()), std::make_move_iterator(pending.end()),
      std::make_move_iterator(due.begin()), std::make_move_iterator(due.end()),
      std::back_inserter(out),
      [&](const core::Notification& a, const core::Notification& b) { return when(a) < when(b); });
  if (static_cast<int>(out.size()) > limit) out.resize(static_cast<size_t>(limit));
  return out;
}

absl::StatusOr<std::optional<core::Time>> SelectNextDeferTime(Db& db) {
  auto query = db.Prepare(
      "SELECT MIN(defer_until_us) FROM notifications INDEXED BY notifications_due"
      " WHERE state = 'DEFERRED'");
  if (!query.ok()) return query.status();
  absl::StatusOr<bool> row = (*query)->Step();
  if (!row.ok()) return row.status();
  return OptionalTime(**query, 0);
}

absl::StatusOr<std::vector<core::Notification>> SelectContactHistory(Db& db,
                                                                     std::string_view customer_id,
                                                                     core::Time since) {
  // Without the decisions: the policy looks at states and times only.
  auto query = db.Prepare(
      core::StrCat("SELECT ", kNotificationColumns, ", NULL, NULL, NULL, NULL, NULL, NULL, NULL",
                   " FROM notifications n"
                   " WHERE n.customer_id = ?1 AND n.update_time_us >= ?2 AND n.state IN"
                   " ('QUEUED', 'SENDING', 'SENT', 'DELIVERED', 'UNKNOWN', 'DEFERRED')"));
  if (!query.ok()) return query.status();
  std::vector<core::Notification> out;
  absl::Status status =
      ForEachNotification((*query)->Bind(1, customer_id).Bind(2, ToMicros(since)), out);
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<std::vector<std::pair<std::string, core::Time>>> SelectCustomerEvents(
    Db& db, std::string_view customer_id, std::string_view event_type, core::Time since) {
  auto query = db.Prepare(
      "SELECT n.event_id, e.occur_time_us FROM notifications n"
      " JOIN events e ON e.event_id = n.event_id"
      " WHERE n.customer_id = ?1 AND n.event_type = ?2 AND e.occur_time_us >= ?3");
  if (!query.ok()) return query.status();
  std::vector<std::pair<std::string, core::Time>> out;
  absl::Status status = (*query)
                            ->Bind(1, customer_id)
                            .Bind(2, event_type)
                            .Bind(3, ToMicros(since))
                            .ForEachRow([&](Statement& r) {
                              out.emplace_back(r.ColumnText(0), FromMicros(r.ColumnInt(1)));
                              return absl::OkStatus();
                            });
  if (!status.ok()) return status;
  return out;
}

namespace {

// One change of a notification's state, as the store records it.
struct ChangeRow {
  std::string_view notification_id;
  core::NotificationState previous_state = core::NotificationState::kPending;
  core::NotificationState state = core::NotificationState::kPending;
  std::optional<core::Channel> channel;
  core::Time time;
  std::string_view reason;
  std::string_view detail;
  int64_t attempt = 0;
  std::string_view provider_message_id;
};

// Into the history (state_changes: the changes after a decision; decisions keep
// their own) and, with `outbox`, into the status outbox.
absl::Status RecordChange(Db& db, const ChangeRow& c, bool history, bool outbox) {
  if (history) {
    auto insert = db.Prepare(
        "INSERT INTO state_changes (notification_id, change_time_us, state, detail)"
        " VALUES (?1, ?2, ?3, ?4)");
    if (!insert.ok()) return insert.status();
    absl::Status status = (*insert)
                              ->Bind(1, c.notification_id)
                              .Bind(2, ToMicros(c.time))
                              .Bind(3, core::Name(c.state))
                              .Bind(4, c.detail)
                              .Run();
    if (!status.ok()) return status;
  }
  if (!outbox) return absl::OkStatus();
  auto insert = db.Prepare(
      "INSERT INTO status_outbox (notification_id, previous_state, state, channel,"
      " change_time_us, reason, detail, attempt, provider_message_id)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  if (!insert.ok()) return insert.status();
  Statement& s = **insert;
  BindName(s, 4, c.channel);
  return s.Bind(1, c.notification_id)
      .Bind(2, core::Name(c.previous_state))
      .Bind(3, core::Name(c.state))
      .Bind(5, ToMicros(c.time))
      .Bind(6, c.reason)
      .Bind(7, c.detail)
      .Bind(8, c.attempt)
      .Bind(9, c.provider_message_id)
      .Run();
}

// Applies the receipts held for a provider id, now that an attempt has it; a held
// receipt counts from `recorded` at the earliest, so the history stays in order.
absl::Status ApplyEarlyReceipts(Db& db, core::Channel channel, std::string_view provider_id,
                                core::Time recorded, bool outbox);

}  // namespace

absl::StatusOr<bool> ApplyDecision(Db& db, const DecisionUpdate& u, core::Time update_time,
                                   bool outbox) {
  auto update = db.Prepare(
      "UPDATE notifications SET state = ?2, update_time_us = ?3, template_version = ?4,"
      " category = ?5, channel = ?6, fallback_channels = ?7, send_time_us = ?8,"
      " defer_until_us = ?9, decision_count = decision_count + 1, next_attempt_us = ?12"
      " WHERE notification_id = ?1 AND state = ?10 AND update_time_us = ?11");
  if (!update.ok()) return update.status();
  Statement& s = **update;
  BindName(s, 5, u.category);
  BindName(s, 6, u.channel);
  auto micros = [](const std::optional<core::Time>& t) -> std::optional<int64_t> {
    if (!t) return std::nullopt;
    return ToMicros(*t);
  };
  absl::StatusOr<bool> applied =
      s.Bind(1, u.notification_id)
          .Bind(2, core::Name(u.state))
          .Bind(3, ToMicros(update_time))
          .Bind(4, u.template_version)
          .Bind(7, JoinChannels(u.fallback_channels))
          .Bind(8, micros(u.send_time))
          .Bind(9, micros(u.decision.defer_until))
          .Bind(10, core::Name(u.expected_state))
          .Bind(11, ToMicros(u.expected_update_time))
          .Bind(12,
                u.state == core::NotificationState::kQueued ? micros(u.send_time) : std::nullopt)
          .RunChanged();
  if (!applied.ok() || !*applied) return applied;
  auto counts = db.Prepare(
      "SELECT decision_count, attempt_count FROM notifications WHERE notification_id = ?1");
  if (!counts.ok()) return counts.status();
  absl::StatusOr<bool> found = (*counts)->Bind(1, u.notification_id).Step();
  if (!found.ok()) return found.status();
  if (!*found)
    return absl::InternalError(core::StrCat("notification ", u.notification_id, " vanished"));
  const int64_t seq = (*counts)->ColumnInt(0);
  const int64_t attempt_count = (*counts)->ColumnInt(1);

  auto insert = db.Prepare(
      "INSERT INTO decisions (notification_id, seq, decide_time_us, outcome, reason, rule,"
      " detail, defer_until_us, state, evaluations)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  if (!insert.ok()) return insert.status();
  const core::Decision& d = u.decision;
  absl::Status inserted = (*insert)
                              ->Bind(1, u.notification_id)
                              .Bind(2, seq)
                              .Bind(3, ToMicros(d.decide_time))
                              .Bind(4, core::Name(d.outcome))
                              .Bind(5, core::Name(d.reason))
                              .Bind(6, d.rule)
                              .Bind(7, d.detail)
                              .Bind(8, micros(d.defer_until))
                              .Bind(9, core::Name(u.state))
                              .Bind(10, EncodeEvaluations(d.evaluations))
                              .Run();
  if (!inserted.ok()) return inserted;
  inserted = RecordChange(db,
                          {.notification_id = u.notification_id,
                           .previous_state = u.expected_state,
                           .state = u.state,
                           .channel = u.channel,
                           .time = d.decide_time,
                           .reason = core::Name(d.reason),
                           .detail = d.detail,
                           .attempt = attempt_count,
                           .provider_message_id = {}},
                          /*history=*/false, outbox);
  if (!inserted.ok()) return inserted;
  if (!u.messages.empty()) {
    absl::Status written = WriteMessages(db, u.notification_id, u.messages);
    if (!written.ok()) return written;
  }
  return true;
}

absl::StatusOr<std::vector<std::pair<core::Decision, core::NotificationState>>> SelectDecisions(
    Db& db, std::string_view notification_id) {
  auto query = db.Prepare(
      "SELECT decide_time_us, outcome, reason, rule, detail, defer_until_us, evaluations, state"
      " FROM decisions WHERE notification_id = ?1 ORDER BY seq");
  if (!query.ok()) return query.status();
  std::vector<std::pair<core::Decision, core::NotificationState>> out;
  absl::Status status = (*query)->Bind(1, notification_id).ForEachRow([&](Statement& r) {
    absl::StatusOr<core::Decision> d = DecisionFromRow(r, 0, notification_id);
    if (!d.ok()) return d.status();
    auto state = core::ParseNotificationState(r.ColumnText(7));
    if (!state) {
      return absl::DataLossError(core::StrCat("notification ", notification_id,
                                              ": stored decision state is not understood"));
    }
    out.emplace_back(*std::move(d), *state);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

}  // namespace herald::store::sqlite

namespace herald::store::sqlite {
namespace {

absl::StatusOr<std::optional<core::RenderedMessage>> SelectMessage(Db& db,
                                                                   std::string_view notification_id,
                                                                   core::Channel channel) {
  absl::StatusOr<std::vector<core::RenderedMessage>> all = SelectMessages(db, notification_id);
  if (!all.ok()) return all.status();
  for (core::RenderedMessage& m : *all) {
    if (m.channel == channel) return std::move(m);
  }
  return std::nullopt;
}

// Reads back a SENDING notification with the message for its channel.
absl::StatusOr<DispatchItem> ReadDispatchItem(Db& db, std::string_view id) {
  absl::StatusOr<std::optional<core::Notification>> n = ReadNotification(db, id);
  if (!n.ok()) return n.status();
  if (!*n || !(*n)->channel) {
    return absl::DataLossError(core::StrCat("notification ", id, " has no channel to send on"));
  }
  absl::StatusOr<std::optional<core::RenderedMessage>> message =
      SelectMessage(db, id, *(*n)->channel);
  if (!message.ok()) return message.status();
  DispatchItem item;
  item.notification = std::move(**n);
  if (*message) {
    item.message = std::move(**message);
  } else {
    item.message.channel = *item.notification.channel;  // nothing rendered: the dispatcher fails it
  }
  return item;
}

std::string ChannelList(const std::vector<core::Channel>& channels) {
  std::string out;
  for (core::Channel c : channels)
    core::StrAppend(out, out.empty() ? "'" : ", '", core::Name(c), "'");
  return out;
}

}  // namespace

absl::StatusOr<std::vector<DispatchItem>> ClaimDispatch(Db& db, core::Time now,
                                                        const std::vector<core::Channel>& channels,
                                                        int limit, bool outbox) {
  if (channels.empty()) return std::vector<DispatchItem>();
  // Channel names are ours (an enum), so they go into the SQL text as literals.
  auto claim = db.Prepare(core::StrCat(
      "UPDATE notifications SET state = 'SENDING', attempt_count = attempt_count + 1,"
      " update_time_us = ?1, next_attempt_us = NULL WHERE notification_id IN ("
      " SELECT notification_id FROM notifications WHERE state = 'QUEUED'"
      " AND next_attempt_us <= ?1 AND channel IN (",
      ChannelList(channels),
      ") ORDER BY next_attempt_us LIMIT ?2) RETURNING notification_id, attempt_count, channel"));
  if (!claim.ok()) return claim.status();
  struct Claimed {
    std::string id;
    int64_t attempt;
    std::string channel;
  };
  std::vector<Claimed> claimed;
  absl::Status status = (*claim)
                            ->Bind(1, ToMicros(now))
                            .Bind(2, static_cast<int64_t>(limit))
                            .ForEachRow([&](Statement& r) {
                              claimed.push_back({r.ColumnText(0), r.ColumnInt(1), r.ColumnText(2)});
                              return absl::OkStatus();
                            });
  if (!status.ok()) return status;
  std::vector<DispatchItem> out;
  out.reserve(claimed.size());
  for (const Claimed& c : claimed) {
    auto attempt = db.Prepare(
        "INSERT INTO attempts (notification_id, number, channel, start_time_us)"
        " VALUES (?1, ?2, ?3, ?4)");
    if (!attempt.ok()) return attempt.status();
    status = (*attempt)
                 ->Bind(1, c.id)
                 .Bind(2, c.attempt)
                 .Bind(3, c.channel)
                 .Bind(4, ToMicros(now))
                 .Run();
    if (!status.ok()) return status;
    status = RecordChange(db,
                          {.notification_id = c.id,
                           .previous_state = core::NotificationState::kQueued,
                           .state = core::NotificationState::kSending,
                           .channel = core::ParseChannel(c.channel),
                           .time = now,
                           .reason = {},
                           .detail = core::StrCat("attempt ", c.attempt, " on ", c.channel),
                           .attempt = c.attempt,
                           .provider_message_id = {}},
                          /*history=*/true, outbox);
    if (!status.ok()) return status;
    absl::StatusOr<DispatchItem> item = ReadDispatchItem(db, c.id);
    if (!item.ok()) return item.status();
    out.push_back(*std::move(item));
  }
  return out;
}

absl::StatusOr<std::vector<DispatchItem>> SelectInFlight(Db& db) {
  auto query = db.Prepare("SELECT notification_id FROM notifications WHERE state = 'SENDING'");
  if (!query.ok()) return query.status();
  std::vector<std::string> ids;
  absl::Status status = (*query)->ForEachRow([&](Statement& r) {
    ids.push_back(r.ColumnText(0));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  std::vector<DispatchItem> out;
  for (const std::string& id : ids) {
    absl::StatusOr<DispatchItem> item = ReadDispatchItem(db, id);
    if (!item.ok()) return item.status();
    out.push_back(*std::move(item));
  }
  return out;
}

absl::StatusOr<bool> ApplyAttempt(Db& db, const AttemptUpdate& u, bool outbox) {
  auto update = db.Prepare(
      "UPDATE notifications SET state = ?3, update_time_us = ?4, channel = COALESCE(?5, channel),"
      " fallback_channels = ?6, next_attempt_us = ?7"
      " WHERE notification_id = ?1 AND state = 'SENDING' AND attempt_count = ?2"
      " RETURNING customer_id, channel");
  if (!update.ok()) return update.status();
  Statement& s = **update;
  BindName(s, 5, u.channel);
  absl::StatusOr<bool> applied =
      s.Bind(1, u.notification_id)
          .Bind(2, static_cast<int64_t>(u.attempt))
          .Bind(3, core::Name(u.state))
          .Bind(4, ToMicros(u.end_time))
          .Bind(6, JoinChannels(u.fallback_channels))
          .Bind(7, u.next_attempt_time ? std::optional<int64_t>(ToMicros(*u.next_attempt_time))
                                       : std::nullopt)
          .Step();
  if (!applied.ok() || !*applied) return applied;
  const std::string customer_id = s.ColumnText(0);
  const std::optional<core::Channel> channel_after = core::ParseChannel(s.ColumnText(1));
  update->reset();
  // The attempt's channel: the one it was on, not the next one it may move to.
  auto attempt = db.Prepare(
      "UPDATE attempts SET end_time_us = ?3, result = ?4, detail = ?5, provider_message_id = ?6"
      " WHERE notification_id = ?1 AND number = ?2 RETURNING channel");
  if (!attempt.ok()) return attempt.status();
  absl::StatusOr<bool> found = (*attempt)
                                   ->Bind(1, u.notification_id)
                                   .Bind(2, static_cast<int64_t>(u.attempt))
                                   .Bind(3, ToMicros(u.end_time))
                                   .Bind(4, core::Name(u.result))
                                   .Bind(5, u.detail)
                                   .Bind(6, u.provider_message_id)
                                   .Step();
  if (!found.ok()) return found.status();
  const std::optional<core::Channel> parsed =
      *found ? core::ParseChannel((*attempt)->ColumnText(0)) : std::nullopt;
  attempt->reset();
  if (!parsed) return absl::DataLossError("a stored attempt's channel is not understood");
  const core::Channel attempt_channel = *parsed;
  absl::Status status = RecordChange(db,
                                     {.notification_id = u.notification_id,
                                      .previous_state = core::NotificationState::kSending,
                                      .state = u.state,
                                      .channel = channel_after,
                                      .time = u.end_time,
                                      .reason = {},
                                      .detail = u.state_detail,
                                      .attempt = u.attempt,
                                      .provider_message_id = u.provider_message_id},
                                     /*history=*/true, outbox);
  if (!status.ok()) return status;
  if (u.address_rejected) {
    status = SuppressBouncedChannel(
        db, customer_id, attempt_channel,
        core::StrCat("hard bounce of ", u.notification_id, ": ", u.detail), u.end_time);
    if (!status.ok()) return status;
  }
  if (!u.provider_message_id.empty()) {
    status = ApplyEarlyReceipts(db, attempt_channel, u.provider_message_id, u.end_time, outbox);
    if (!status.ok()) return status;
  }
  return true;
}

absl::StatusOr<std::optional<core::Time>> SelectNextDispatchTime(
    Db& db, const std::vector<core::Channel>& channels) {
  if (channels.empty()) return std::nullopt;
  auto query = db.Prepare(core::StrCat(
      "SELECT MIN(next_attempt_us) FROM notifications WHERE state = 'QUEUED' AND channel IN (",
      ChannelList(channels), ")"));
  if (!query.ok()) return query.status();
  absl::StatusOr<bool> found = (*query)->Step();
  if (!found.ok()) return found.status();
  if (!*found || (*query)->ColumnIsNull(0)) return std::nullopt;
  return FromMicros((*query)->ColumnInt(0));
}

absl::StatusOr<std::vector<core::DeliveryAttempt>> SelectAttempts(
    Db& db, std::string_view notification_id) {
  auto query = db.Prepare(
      "SELECT number, channel, start_time_us, end_time_us, result, detail, provider_message_id"
      " FROM attempts WHERE notification_id = ?1 ORDER BY number");
  if (!query.ok()) return query.status();
  std::vector<core::DeliveryAttempt> out;
  absl::Status status = (*query)->Bind(1, notification_id).ForEachRow([&](Statement& r) {
    core::DeliveryAttempt a;
    a.number = static_cast<int>(r.ColumnInt(0));
    auto channel = core::ParseChannel(r.ColumnText(1));
    if (!channel) return absl::DataLossError("a stored attempt's channel is not understood");
    a.channel = *channel;
    a.start_time = FromMicros(r.ColumnInt(2));
    a.end_time = OptionalTime(r, 3);
    if (!r.ColumnIsNull(4)) {
      a.result = core::ParseAttemptResult(r.ColumnText(4));
      if (!a.result) return absl::DataLossError("a stored attempt's result is not understood");
    }
    a.detail = r.ColumnText(5);
    a.provider_message_id = r.ColumnText(6);
    out.push_back(std::move(a));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<std::vector<core::StateChange>> SelectStateChanges(
    Db& db, std::string_view notification_id) {
  auto query = db.Prepare(
      "SELECT change_time_us, state, detail FROM state_changes WHERE notification_id = ?1"
      " ORDER BY change_time_us, rowid");
  if (!query.ok()) return query.status();
  std::vector<core::StateChange> out;
  absl::Status status = (*query)->Bind(1, notification_id).ForEachRow([&](Statement& r) {
    auto state = core::ParseNotificationState(r.ColumnText(1));
    if (!state) return absl::DataLossError("a stored state change is not understood");
    out.push_back({*state, FromMicros(r.ColumnInt(0)), r.ColumnText(2)});
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

namespace {

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

// How far a notification has come after its hand-off; receipts only move it forward.
int Progress(core::NotificationState state) {
  switch (state) {
    case core::NotificationState::kSent:
      return 1;
    case core::NotificationState::kDelivered:
    case core::NotificationState::kFailed:
    case core::NotificationState::kBounced:
      return 2;
    default:
      return 0;
  }
}

}  // namespace

absl::StatusOr<ReceiptResult> ApplyReceiptRow(Db& db, const Receipt& receipt, bool outbox) {
  ReceiptResult result;
  const bool by_notification = !receipt.notification_id.empty();
  auto find = db.Prepare(core::StrCat(
      "SELECT a.notification_id, a.number, n.attempt_count, n.state, n.fallback_channels,"
      " n.customer_id, a.provider_message_id"
      " FROM attempts a JOIN notifications n ON n.notification_id = a.notification_id WHERE ",
      by_notification ? "a.notification_id = ?1" : "a.provider_message_id = ?1",
      " AND a.channel = ?2",
      // By provider id: a provider that reuses ids means the latest.
      by_notification ? " ORDER BY a.number DESC" : " ORDER BY a.start_time_us DESC", " LIMIT 1"));
  if (!find.ok()) return find.status();
  absl::StatusOr<bool> found =
      (*find)
          ->Bind(1, by_notification ? receipt.notification_id : receipt.provider_message_id)
          .Bind(2, core::Name(receipt.channel))
          .Step();
  if (!found.ok()) return found.status();
  if (!*found) {
    find->reset();
    if (by_notification) {
      result.outcome = ReceiptResult::Outcome::kUnknownMessage;
      return result;
    }
    absl::Status held = HoldReceipt(db, receipt);
    if (!held.ok()) return held;
    result.outcome = ReceiptResult::Outcome::kHeld;
    return result;
  }
  const Statement& r = **find;
  result.notification_id = r.ColumnText(0);
  result.customer_id = r.ColumnText(5);
  const std::string provider_message_id = r.ColumnText(6);
  const int64_t number = r.ColumnInt(1);
  const int64_t latest = r.ColumnInt(2);
  auto current = core::ParseNotificationState(r.ColumnText(3));
  std::vector<core::Channel> fallbacks;
  for (absl::string_view name : absl::StrSplit(r.ColumnText(4), ',', absl::SkipEmpty())) {
    if (auto c = core::ParseChannel(core::ToStd(name))) fallbacks.push_back(*c);
  }
  find->reset();
  if (!current) return absl::DataLossError("a stored notification state is not understood");
  result.state = *current;
  if (number == latest && *current == core::NotificationState::kSending) {
    result.outcome = ReceiptResult::Outcome::kInFlight;
    return result;
  }
  // Only about the latest attempt, and only forward.
  if (number != latest || Progress(receipt.state) <= Progress(*current) ||
      Progress(*current) == 0) {
    result.outcome = ReceiptResult::Outcome::kIgnored;
    return result;
  }
  core::NotificationState next = receipt.state;
  std::optional<core::Channel> channel;
  std::string detail = core::StrCat("receipt: ", receipt.detail);
  const bool failed = receipt.state == core::NotificationState::kFailed ||
                      receipt.state == core::NotificationState::kBounced;
  if (failed && !fallbacks.empty()) {
    next = core::NotificationState::kQueued;
    channel = fallbacks.front();
    fallbacks.erase(fallbacks.begin());
    core::StrAppend(detail, "; next: ", core::Name(*channel));
  }
  auto update = db.Prepare(
      "UPDATE notifications SET state = ?2, update_time_us = ?3, channel = COALESCE(?4, channel),"
      " fallback_channels = ?5, next_attempt_us = ?6 WHERE notification_id = ?1");
  if (!update.ok()) return update.status();
  Statement& s = **update;
  BindName(s, 4, channel);
  absl::Status status = s.Bind(1, result.notification_id)
                            .Bind(2, core::Name(next))
                            .Bind(3, ToMicros(receipt.time))
                            .Bind(5, JoinChannels(fallbacks))
                            .Bind(6, next == core::NotificationState::kQueued
                                         ? std::optional<int64_t>(ToMicros(receipt.time))
                                         : std::nullopt)
                            .Run();
  if (!status.ok()) return status;
  status = RecordChange(db,
                        {.notification_id = result.notification_id,
                         .previous_state = *current,
                         .state = next,
                         .channel = channel.value_or(receipt.channel),
                         .time = receipt.time,
                         .reason = {},
                         .detail = detail,
                         .attempt = number,
                         .provider_message_id = provider_message_id},
                        /*history=*/true, outbox);
  if (!status.ok()) return status;
  if (receipt.state == core::NotificationState::kBounced) {
    status = SuppressBouncedChannel(
        db, result.customer_id, receipt.channel,
        core::StrCat("hard bounce of ", result.notification_id, ": ", receipt.detail),
        receipt.time);
    if (!status.ok()) return status;
  }
  result.outcome = ReceiptResult::Outcome::kApplied;
  result.state = next;
  return result;
}

namespace {

absl::Status ApplyEarlyReceipts(Db& db, core::Channel channel, std::string_view provider_id,
                                core::Time recorded, bool outbox) {
  auto query = db.Prepare(
      "DELETE FROM early_receipts WHERE provider_message_id = ?1 AND channel = ?2"
      " RETURNING state, receipt_time_us, detail");
  if (!query.ok()) return query.status();
  std::vector<Receipt> held;
  absl::Status status =
      (*query)->Bind(1, provider_id).Bind(2, core::Name(channel)).ForEachRow([&](Statement& r) {
        auto state = core::ParseNotificationState(r.ColumnText(0));
        if (!state) {
          return absl::DataLossError("a held receipt is not understood");
        }
        held.push_back({.channel = channel,
                        .provider_message_id = std::string(provider_id),
                        .state = *state,
                        .time = FromMicros(r.ColumnInt(1)),
                        .detail = r.ColumnText(2)});
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  std::stable_sort(held.begin(), held.end(),
                   [](const Receipt& a, const Receipt& b) { return a.time < b.time; });
  for (Receipt& receipt : held) {
    receipt.time = std::max(receipt.time, recorded);
    receipt.detail = core::StrCat(receipt.detail, " (held until the hand-off was recorded)");
    absl::StatusOr<ReceiptResult> applied = ApplyReceiptRow(db, receipt, outbox);
    if (!applied.ok()) return applied.status();
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<StatusChange>> SelectStatusOutbox(Db& db, int limit) {
  auto query = db.Prepare(
      "SELECT o.seq, o.notification_id, n.customer_id, n.event_id, n.event_type,"
      " n.template_name, n.template_version, n.category, o.previous_state, o.state, o.channel,"
      " o.change_time_us, o.reason, o.detail, o.attempt, o.provider_message_id"
      " FROM status_outbox o JOIN notifications n ON n.notification_id = o.notification_id"
      " ORDER BY o.seq LIMIT ?1");
  if (!query.ok()) return query.status();
  std::vector<StatusChange> out;
  absl::Status status =
      (*query)->Bind(1, static_cast<int64_t>(limit)).ForEachRow([&](Statement& r) {
        StatusChange c;
        c.sequence = r.ColumnInt(0);
        c.notification_id = r.ColumnText(1);
        c.customer_id = r.ColumnText(2);
        c.event_id = r.ColumnText(3);
        c.event_type = r.ColumnText(4);
        c.template_name = r.ColumnText(5);
        c.template_version = r.ColumnInt(6);
        if (!r.ColumnIsNull(7)) c.category = core::ParseCategory(r.ColumnText(7));
        auto previous = core::ParseNotificationState(r.ColumnText(8));
        auto state = core::ParseNotificationState(r.ColumnText(9));
        if (!previous || !state) {
          return absl::DataLossError(
              core::StrCat("status outbox row ", c.sequence, ": a state is not understood"));
        }
        c.previous_state = *previous;
        c.state = *state;
        if (!r.ColumnIsNull(10)) c.channel = core::ParseChannel(r.ColumnText(10));
        c.change_time = FromMicros(r.ColumnInt(11));
        c.reason = r.ColumnText(12);
        c.detail = r.ColumnText(13);
        c.attempt = static_cast<int>(r.ColumnInt(14));
        c.provider_message_id = r.ColumnText(15);
        out.push_back(std::move(c));
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return out;
}

absl::Status DeleteStatusOutbox(Db& db, int64_t through_sequence) {
  auto remove = db.Prepare("DELETE FROM status_outbox WHERE seq <= ?1");
  if (!remove.ok()) return remove.status();
  return (*remove)->Bind(1, through_sequence).Run();
}

}  // namespace herald::store::sqlite
