#include "services/store/postgres/message_rows.h"

#include "services/core/strings.h"
#include "services/store/postgres/rows.h"

namespace herald::store::postgres {
namespace {

constexpr char kColumns[] =
    "SELECT channel, locale, subject, text_body, html_body, sms_text, sms_encoding,"
    " sms_units, sms_segments, render_time_us, address FROM messages";

absl::StatusOr<core::RenderedMessage> FromRow(const Result& r, int row, int64_t notification_seq) {
  auto channel = core::ParseChannel(r.View(row, 0));
  if (!channel) {
    return absl::DataLossError(core::StrCat("notification ", notification_seq,
                                            ": stored message channel is not understood"));
  }
  core::RenderedMessage m;
  m.channel = *channel;
  m.locale = r.Text(row, 1);
  m.subject = r.Text(row, 2);
  m.text_body = r.Text(row, 3);
  m.html_body = r.Text(row, 4);
  m.sms_text = r.Text(row, 5);
  m.sms_encoding = r.Text(row, 6);
  m.sms_units = static_cast<int>(r.Int(row, 7));
  m.sms_segments = static_cast<int>(r.Int(row, 8));
  m.render_time = FromMicros(r.Int(row, 9));
  m.address = r.Text(row, 10);
  return m;
}

}  // namespace

absl::Status WriteMessage(Conn& conn, int64_t notification_seq, int attempt,
                          const core::RenderedMessage& m) {
  return conn
      .Exec(
          "INSERT INTO messages (notification_seq, channel, position, locale, subject,"
          " text_body, html_body, sms_text, sms_encoding, sms_units, sms_segments,"
          " render_time_us, address) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,"
          " $13) ON CONFLICT (notification_seq, channel) DO UPDATE SET"
          " position = excluded.position, locale = excluded.locale,"
          " subject = excluded.subject, text_body = excluded.text_body,"
          " html_body = excluded.html_body, sms_text = excluded.sms_text,"
          " sms_encoding = excluded.sms_encoding, sms_units = excluded.sms_units,"
          " sms_segments = excluded.sms_segments, render_time_us = excluded.render_time_us,"
          " address = excluded.address",
          Params()
              .Add(notification_seq)
              .Add(core::Name(m.channel))
              .Add(attempt)
              .Add(m.locale)
              .Add(m.subject)
              .Add(m.text_body)
              .Add(m.html_body)
              .Add(m.sms_text)
              .Add(m.sms_encoding)
              .Add(m.sms_units)
              .Add(m.sms_segments)
              .Add(ToMicros(m.render_time))
              .Add(m.address))
      .status();
}

absl::StatusOr<std::vector<core::RenderedMessage>> SelectMessages(Conn& conn,
                                                                  int64_t notification_seq) {
  auto rows = conn.Exec(core::StrCat(kColumns,
                                     " WHERE notification_seq = $1"
                                     " ORDER BY position, render_time_us, channel"),
                        Params().Add(notification_seq));
  if (!rows.ok()) return rows.status();
  std::vector<core::RenderedMessage> out;
  for (int r = 0; r < rows->rows(); ++r) {
    absl::StatusOr<core::RenderedMessage> m = FromRow(*rows, r, notification_seq);
    if (!m.ok()) return m.status();
    out.push_back(*std::move(m));
  }
  return out;
}

absl::StatusOr<std::optional<core::RenderedMessage>> SelectMessage(Conn& conn,
                                                                   int64_t notification_seq,
                                                                   core::Channel channel) {
  auto rows = conn.Exec(core::StrCat(kColumns, " WHERE notification_seq = $1 AND channel = $2"),
                        Params().Add(notification_seq).Add(core::Name(channel)));
  if (!rows.ok()) return rows.status();
  if (rows->rows() == 0) return std::nullopt;
  absl::StatusOr<core::RenderedMessage> m = FromRow(*rows, 0, notification_seq);
  if (!m.ok()) return m.status();
  return *std::move(m);
}

}  // namespace herald::store::postgres
