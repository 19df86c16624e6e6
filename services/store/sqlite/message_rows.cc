// Rendered messages and shared snippets.
#include "services/core/strings.h"
#include "services/store/sqlite/rows.h"

namespace herald::store::sqlite {

absl::Status WriteMessages(Db& db, std::string_view notification_id,
                           const std::vector<core::RenderedMessage>& messages) {
  // A notification is let through once (QUEUED is not decided again), so there is
  // nothing to clear; a replace keeps it right if that ever changes.
  absl::Status status;
  for (size_t i = 0; i < messages.size(); ++i) {
    const core::RenderedMessage& m = messages[i];
    auto insert = db.Prepare(
        "INSERT OR REPLACE INTO messages (notification_id, channel, position, locale, subject,"
        " text_body, html_body, sms_text, sms_encoding, sms_units, sms_segments, render_time_us,"
        " address) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
    if (!insert.ok()) return insert.status();
    status = (*insert)
                 ->Bind(1, notification_id)
                 .Bind(2, core::Name(m.channel))
                 .Bind(3, static_cast<int64_t>(i))
                 .Bind(4, m.locale)
                 .Bind(5, m.subject)
                 .Bind(6, m.text_body)
                 .Bind(7, m.html_body)
                 .Bind(8, m.sms_text)
                 .Bind(9, m.sms_encoding)
                 .Bind(10, static_cast<int64_t>(m.sms_units))
                 .Bind(11, static_cast<int64_t>(m.sms_segments))
                 .Bind(12, ToMicros(m.render_time))
                 .Bind(13, m.address)
                 .Run();
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<core::RenderedMessage>> SelectMessages(
    Db& db, std::string_view notification_id) {
  auto query = db.Prepare(
      "SELECT channel, locale, subject, text_body, html_body, sms_text, sms_encoding,"
      " sms_units, sms_segments, render_time_us, address FROM messages"
      " WHERE notification_id = ?1 ORDER BY position");
  if (!query.ok()) return query.status();
  std::vector<core::RenderedMessage> out;
  absl::Status status = (*query)->Bind(1, notification_id).ForEachRow([&](Statement& r) {
    auto channel = core::ParseChannel(r.ColumnText(0));
    if (!channel) {
      return absl::DataLossError(core::StrCat("notification ", notification_id,
                                              ": stored message channel is not understood"));
    }
    core::RenderedMessage m;
    m.channel = *channel;
    m.locale = r.ColumnText(1);
    m.subject = r.ColumnText(2);
    m.text_body = r.ColumnText(3);
    m.html_body = r.ColumnText(4);
    m.sms_text = r.ColumnText(5);
    m.sms_encoding = r.ColumnText(6);
    m.sms_units = static_cast<int>(r.ColumnInt(7));
    m.sms_segments = static_cast<int>(r.ColumnInt(8));
    m.render_time = FromMicros(r.ColumnInt(9));
    m.address = r.ColumnText(10);
    out.push_back(std::move(m));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

namespace {

core::Snippet SnippetFromRow(const Statement& r) {
  core::Snippet s;
  s.name = r.ColumnText(0);
  s.description = r.ColumnText(1);
  s.text = r.ColumnText(2);
  s.create_time = FromMicros(r.ColumnInt(3));
  s.update_time = FromMicros(r.ColumnInt(4));
  return s;
}

constexpr std::string_view kSnippetColumns =
    "SELECT name, description, text, create_time_us, update_time_us FROM snippets";

}  // namespace

absl::StatusOr<std::optional<core::Snippet>> ReadSnippet(Db& db, std::string_view name) {
  auto query = db.Prepare(core::StrCat(kSnippetColumns, " WHERE name = ?1"));
  if (!query.ok()) return query.status();
  absl::StatusOr<bool> found = (*query)->Bind(1, name).Step();
  if (!found.ok()) return found.status();
  if (!*found) return std::nullopt;
  return SnippetFromRow(**query);
}

absl::StatusOr<std::vector<core::Snippet>> SelectSnippets(Db& db) {
  auto query = db.Prepare(core::StrCat(kSnippetColumns, " ORDER BY name"));
  if (!query.ok()) return query.status();
  std::vector<core::Snippet> out;
  absl::Status status = (*query)->ForEachRow([&](Statement& r) {
    out.push_back(SnippetFromRow(r));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::Status WriteSnippet(Db& db, const core::Snippet& snippet) {
  auto upsert = db.Prepare(
      "INSERT INTO snippets (name, description, text, create_time_us, update_time_us)"
      " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (name) DO UPDATE SET"
      " description = excluded.description, text = excluded.text,"
      " update_time_us = excluded.update_time_us");
  if (!upsert.ok()) return upsert.status();
  return (*upsert)
      ->Bind(1, snippet.name)
      .Bind(2, snippet.description)
      .Bind(3, snippet.text)
      .Bind(4, ToMicros(snippet.create_time))
      .Bind(5, ToMicros(snippet.update_time))
      .Run();
}

}  // namespace herald::store::sqlite
