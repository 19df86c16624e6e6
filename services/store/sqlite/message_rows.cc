#include "services/store/sqlite/message_rows.h"

#include "services/core/strings.h"
#include "services/store/sqlite/rows.h"

namespace herald::store::sqlite {
namespace {

constexpr char kColumns[] =
    "SELECT channel, locale, subject, text_body, html_body, sms_text, sms_encoding,"
    " sms_units, sms_segments, render_time_us, address FROM messages";

absl::StatusOr<core::RenderedMessage> FromRow(const Statement& r, int64_t notification_seq) {
  auto channel = core::ParseChannel(r.ColumnView(0));
  if (!channel) {
    return absl::DataLossError(core::StrCat("notification ", notification_seq,
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
  return m;
}

}  // namespace

absl::Status WriteMessage(Db& db, int64_t notification_seq, int attempt,
                          const core::RenderedMessage& m) {
  auto insert = db.Prepare(
      "INSERT OR REPLACE INTO messages (notification_seq, channel, position, locale, subject,"
      " text_body, html_body, sms_text, sms_encoding, sms_units, sms_segments, render_time_us,"
      " address) VALUES (?1, ?2, ?13, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
  if (!insert.ok()) return insert.status();
  return (*insert)
      ->Bind(1, notification_seq)
      .Bind(2, core::Name(m.channel))
      .Bind(3, m.locale)
      .Bind(4, m.subject)
      .Bind(5, m.text_body)
      .Bind(6, m.html_body)
      .Bind(7, m.sms_text)
      .Bind(8, m.sms_encoding)
      .Bind(9, static_cast<int64_t>(m.sms_units))
      .Bind(10, static_cast<int64_t>(m.sms_segments))
      .Bind(11, ToMicros(m.render_time))
      .Bind(12, m.address)
      .Bind(13, int64_t{attempt})
      .Run();
}

absl::StatusOr<std::vector<core::RenderedMessage>> SelectMessages(Db& db,
                                                                  int64_t notification_seq) {
  auto query = db.Prepare(core::StrCat(
      kColumns, " WHERE notification_seq = ?1 ORDER BY position, render_time_us, channel"));
  if (!query.ok()) return query.status();
  std::vector<core::RenderedMessage> out;
  absl::Status status = (*query)->Bind(1, notification_seq).ForEachRow([&](Statement& r) {
    absl::StatusOr<core::RenderedMessage> m = FromRow(r, notification_seq);
    if (!m.ok()) return m.status();
    out.push_back(*std::move(m));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<std::optional<core::RenderedMessage>> SelectMessage(Db& db, int64_t notification_seq,
                                                                   core::Channel channel) {
  auto query = db.Prepare(core::StrCat(kColumns, " WHERE notification_seq = ?1 AND channel = ?2"));
  if (!query.ok()) return query.status();
  absl::StatusOr<bool> found =
      (*query)->Bind(1, notification_seq).Bind(2, core::Name(channel)).Step();
  if (!found.ok()) return found.status();
  if (!*found) return std::nullopt;
  absl::StatusOr<core::RenderedMessage> m = FromRow(**query, notification_seq);
  if (!m.ok()) return m.status();
  return *std::move(m);
}

}  // namespace herald::store::sqlite
