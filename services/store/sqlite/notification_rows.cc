#include <charconv>

#include "services/core/strings.h"
#include "services/store/sqlite/rows.h"

namespace herald::store::sqlite {
namespace {

constexpr char kColumns[] =
    "notification_id, event_id, customer_id, event_type, template_name, state, create_time_us,"
    " update_time_us, channel";

absl::StatusOr<core::Notification> FromRow(const Statement& r) {
  core::Notification n;
  n.notification_id = r.ColumnText(0);
  n.event_id = r.ColumnText(1);
  n.customer_id = r.ColumnText(2);
  n.event_type = r.ColumnText(3);
  n.template_name = r.ColumnText(4);
  auto state = core::ParseNotificationState(r.ColumnText(5));
  if (!state) {
    return absl::DataLossError(
        core::StrCat("notification ", n.notification_id, ": stored state is not understood"));
  }
  n.state = *state;
  n.create_time = FromMicros(r.ColumnInt(6));
  n.update_time = FromMicros(r.ColumnInt(7));
  if (!r.ColumnIsNull(8)) {
    n.channel = core::ParseChannel(r.ColumnText(8));
    if (!n.channel) {
      return absl::DataLossError(
          core::StrCat("notification ", n.notification_id, ": stored channel is not understood"));
    }
  }
  return n;
}

}  // namespace

absl::StatusOr<bool> InsertEvent(Db& db, const EventRecord& record) {
  auto insert = db.Prepare(
      "INSERT INTO events (event_id, event_type, occur_time_us, source, customer_count,"
      " content_type, body, origin, receive_time_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
      " ON CONFLICT (event_id) DO NOTHING RETURNING 1");
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
      .Step();
}

absl::StatusOr<bool> InsertNotification(Db& db, const core::Notification& n) {
  auto insert = db.Prepare(core::StrCat("INSERT INTO notifications (", kColumns,
                                        ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
                                        " ON CONFLICT (notification_id) DO NOTHING RETURNING 1"));
  if (!insert.ok()) return insert.status();
  Statement& s = **insert;
  if (n.channel) {
    s.Bind(9, core::Name(*n.channel));
  } else {
    s.Bind(9, std::nullopt);
  }
  return s.Bind(1, n.notification_id)
      .Bind(2, n.event_id)
      .Bind(3, n.customer_id)
      .Bind(4, n.event_type)
      .Bind(5, n.template_name)
      .Bind(6, core::Name(n.state))
      .Bind(7, ToMicros(n.create_time))
      .Bind(8, ToMicros(n.update_time))
      .Step();
}

absl::StatusOr<std::optional<core::Notification>> ReadNotification(Db& db, std::string_view id) {
  auto query = db.Prepare(
      core::StrCat("SELECT ", kColumns, " FROM notifications WHERE notification_id = ?1"));
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

absl::StatusOr<std::vector<core::Notification>> SelectNotifications(
    Db& db, const NotificationFilter& filter, std::string_view after, int limit) {
  // Parameters are numbered by purpose, so the SQL text (and its cached statement)
  // depends only on which filters are set.
  std::string sql = core::StrCat("SELECT ", kColumns, " FROM notifications WHERE 1");
  if (!filter.customer_id.empty()) sql += " AND customer_id = ?1";
  if (!filter.event_id.empty()) sql += " AND event_id = ?2";
  if (!filter.template_name.empty()) sql += " AND template_name = ?3";
  if (filter.channel) sql += " AND channel = ?9";
  if (filter.start_time) sql += " AND create_time_us >= ?4";
  if (filter.end_time) sql += " AND create_time_us < ?5";
  if (!filter.states.empty()) {
    sql += " AND state IN (";
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
    sql += " AND (create_time_us < ?6 OR (create_time_us = ?6 AND notification_id < ?7))";
  }
  sql += " ORDER BY create_time_us DESC, notification_id DESC LIMIT ?8";

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
  absl::Status status = s.ForEachRow([&](Statement& r) {
    absl::StatusOr<core::Notification> n = FromRow(r);
    if (!n.ok()) return n.status();
    out.push_back(*std::move(n));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

}  // namespace herald::store::sqlite
