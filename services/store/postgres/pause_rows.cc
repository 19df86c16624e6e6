#include "services/store/postgres/pause_rows.h"

#include "services/core/strings.h"
#include "services/store/common/pause_rules.h"
#include "services/store/postgres/notification_rows.h"
#include "services/store/postgres/rows.h"
#include "services/store/record/records.h"

namespace herald::store::postgres {
namespace {

constexpr char kPauseSelect[] = "SELECT scope, value, paused_by, reason, pause_time_us FROM pauses";

absl::StatusOr<std::vector<core::Pause>> PausesFrom(const Result& r) {
  std::vector<core::Pause> pauses;
  for (int row = 0; row < r.rows(); ++row) {
    core::Pause p;
    const std::string scope = r.Text(row, 0);
    std::optional<core::PauseScope> parsed = core::ParsePauseScope(scope);
    if (!parsed) {
      return absl::DataLossError(core::StrCat("pauses: unknown scope \"", scope, "\""));
    }
    p.scope = *parsed;
    p.value = r.Text(row, 1);
    p.paused_by = r.Text(row, 2);
    p.reason = r.Text(row, 3);
    p.pause_time = FromMicros(r.Int(row, 4));
    pauses.push_back(std::move(p));
  }
  return pauses;
}

}  // namespace

absl::StatusOr<std::vector<core::Pause>> SelectPauses(Conn& conn) {
  auto rows =
      conn.Exec(core::StrCat(kPauseSelect, " ORDER BY pause_time_us, scope, value"), Params());
  if (!rows.ok()) return rows.status();
  return PausesFrom(*rows);
}

absl::StatusOr<std::optional<core::Pause>> SelectPause(Conn& conn, core::PauseScope scope,
                                                       std::string_view value) {
  auto rows = conn.Exec(core::StrCat(kPauseSelect, " WHERE scope = $1 AND value = $2"),
                        Params().Add(core::Name(scope)).Add(value));
  if (!rows.ok()) return rows.status();
  absl::StatusOr<std::vector<core::Pause>> pauses = PausesFrom(*rows);
  if (!pauses.ok()) return pauses.status();
  if (pauses->empty()) return std::nullopt;
  return pauses->front();
}

absl::Status InsertPause(Conn& conn, const core::Pause& pause) {
  // Another instance pausing the same scope at once: one insert waits for the other,
  // then finds its row.
  auto inserted = conn.Exec(
      "INSERT INTO pauses (scope, value, paused_by, reason, pause_time_us)"
      " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
      Params()
          .Add(core::Name(pause.scope))
          .Add(pause.value)
          .Add(pause.paused_by)
          .Add(pause.reason)
          .Add(ToMicros(pause.pause_time)));
  if (!inserted.ok()) return inserted.status();
  if (inserted->affected() > 0) return absl::OkStatus();
  absl::StatusOr<std::optional<core::Pause>> existing = SelectPause(conn, pause.scope, pause.value);
  if (!existing.ok()) return existing.status();
  if (!*existing) return RetryTransaction("a pause of the same scope went meanwhile");
  return common::AlreadyPaused(**existing);
}

absl::Status DeletePause(Conn& conn, core::PauseScope scope, std::string_view value) {
  return conn
      .Exec("DELETE FROM pauses WHERE scope = $1 AND value = $2",
            Params().Add(core::Name(scope)).Add(value))
      .status();
}

absl::StatusOr<int64_t> HoldPaused(WriteTx& tx, const std::vector<core::Pause>& pauses,
                                   core::Time now) {
  if (pauses.empty()) return 0;
  Conn& conn = tx.conn();
  // Locked: a dispatcher's claim of one of them waits, then finds it DEFERRED (or this
  // finds it claimed, and leaves it).
  auto rows = conn.Exec(core::StrCat("SELECT seq FROM notifications WHERE state = 'QUEUED' AND ",
                                     common::kCoveredByPauseSql, " ORDER BY seq FOR UPDATE"),
                        Params());
  if (!rows.ok()) return rows.status();
  int64_t held = 0;
  for (int row = 0; row < rows->rows(); ++row) {
    const int64_t seq = rows->Int(row, 0);
    absl::StatusOr<std::optional<core::Notification>> found =
        ReadNotificationBySeq(conn, seq, RecordPart::kNone);
    if (!found.ok()) return found.status();
    if (!*found) continue;
    core::Notification& n = **found;
    std::optional<core::Decision> decision = common::HoldFor(pauses, n, now);
    if (!decision) continue;
    auto updated = conn.Exec(
        "UPDATE notifications SET state = 'DEFERRED', update_time_us = $2, send_time_us = NULL,"
        " due_us = NULL, record = record || $3 WHERE seq = $1",
        Params()
            .Add(seq)
            .Add(ToMicros(now))
            .AddBytes(record::DecisionBytes(*decision, core::NotificationState::kDeferred)));
    if (!updated.ok()) return updated.status();
    n.state = core::NotificationState::kDeferred;
    tx.AddChange(common::ChangeOf(n, core::NotificationState::kQueued, now,
                                  std::string(core::Name(decision->reason)), decision->detail));
    ++held;
  }
  return held;
}

absl::StatusOr<int64_t> ReleaseUncovered(WriteTx& tx) {
  auto released = tx.conn().Exec(common::kReleaseUncoveredSql, Params());
  if (!released.ok()) return released.status();
  return released->affected();
}

}  // namespace herald::store::postgres
