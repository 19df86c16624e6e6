#include "services/store/sqlite/pause_rows.h"

#include "services/core/strings.h"
#include "services/store/common/pause_rules.h"
#include "services/store/record/records.h"
#include "services/store/sqlite/notification_rows.h"
#include "services/store/sqlite/rows.h"

namespace herald::store::sqlite {
namespace {

constexpr char kPauseSelect[] = "SELECT scope, value, paused_by, reason, pause_time_us FROM pauses";

absl::StatusOr<core::Pause> PauseFromRow(const Statement& r) {
  core::Pause p;
  const std::string scope = r.ColumnText(0);
  std::optional<core::PauseScope> parsed = core::ParsePauseScope(scope);
  if (!parsed) return absl::DataLossError(core::StrCat("pauses: unknown scope \"", scope, "\""));
  p.scope = *parsed;
  p.value = r.ColumnText(1);
  p.paused_by = r.ColumnText(2);
  p.reason = r.ColumnText(3);
  p.pause_time = FromMicros(r.ColumnInt(4));
  return p;
}

}  // namespace

absl::StatusOr<std::vector<core::Pause>> SelectPauses(Db& db) {
  auto query = db.Prepare(core::StrCat(kPauseSelect, " ORDER BY pause_time_us, scope, value"));
  if (!query.ok()) return query.status();
  std::vector<core::Pause> pauses;
  absl::Status status = (*query)->ForEachRow([&](Statement& r) -> absl::Status {
    absl::StatusOr<core::Pause> p = PauseFromRow(r);
    if (!p.ok()) return p.status();
    pauses.push_back(*std::move(p));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return pauses;
}

absl::StatusOr<std::optional<core::Pause>> SelectPause(Db& db, core::PauseScope scope,
                                                       std::string_view value) {
  auto query = db.Prepare(core::StrCat(kPauseSelect, " WHERE scope = ?1 AND value = ?2"));
  if (!query.ok()) return query.status();
  absl::StatusOr<bool> found = (*query)->Bind(1, core::Name(scope)).Bind(2, value).Step();
  if (!found.ok()) return found.status();
  if (!*found) return std::nullopt;
  absl::StatusOr<core::Pause> p = PauseFromRow(**query);
  if (!p.ok()) return p.status();
  return *std::move(p);
}

absl::Status InsertPause(Db& db, const core::Pause& pause) {
  auto insert = db.Prepare(
      "INSERT INTO pauses (scope, value, paused_by, reason, pause_time_us)"
      " VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!insert.ok()) return insert.status();
  return (*insert)
      ->Bind(1, core::Name(pause.scope))
      .Bind(2, pause.value)
      .Bind(3, pause.paused_by)
      .Bind(4, pause.reason)
      .Bind(5, ToMicros(pause.pause_time))
      .Run();
}

absl::Status DeletePause(Db& db, core::PauseScope scope, std::string_view value) {
  auto remove = db.Prepare("DELETE FROM pauses WHERE scope = ?1 AND value = ?2");
  if (!remove.ok()) return remove.status();
  return (*remove)->Bind(1, core::Name(scope)).Bind(2, value).Run();
}

absl::StatusOr<int64_t> HoldPaused(WriteTx& tx, const std::vector<core::Pause>& pauses,
                                   core::Time now) {
  if (pauses.empty()) return 0;
  Db& db = tx.db();
  auto select = db.Prepare(core::StrCat("SELECT seq FROM notifications WHERE state = 'QUEUED' AND ",
                                        common::kCoveredByPauseSql, " ORDER BY seq"));
  if (!select.ok()) return select.status();
  std::vector<int64_t> seqs;
  absl::Status status = (*select)->ForEachRow([&](Statement& r) {
    seqs.push_back(r.ColumnInt(0));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  int64_t held = 0;
  for (int64_t seq : seqs) {
    absl::StatusOr<std::optional<core::Notification>> row =
        ReadNotificationBySeq(db, seq, RecordPart::kNone);
    if (!row.ok()) return row.status();
    if (!*row) continue;
    core::Notification& n = **row;
    std::optional<core::Decision> decision = common::HoldFor(pauses, n, now);
    if (!decision) continue;
    auto update = db.Prepare(
        "UPDATE notifications SET state = 'DEFERRED', update_time_us = ?2, send_time_us = NULL,"
        " due_us = NULL, record = CAST(record || ?3 AS BLOB) WHERE seq = ?1");
    if (!update.ok()) return update.status();
    status = (*update)
                 ->Bind(1, seq)
                 .Bind(2, ToMicros(now))
                 .BindBlob(3, record::DecisionBytes(*decision, core::NotificationState::kDeferred))
                 .Run();
    if (!status.ok()) return status;
    n.state = core::NotificationState::kDeferred;
    tx.AddChange(ChangeOf(n, core::NotificationState::kQueued, now,
                          std::string(core::Name(decision->reason)), decision->detail));
    ++held;
  }
  return held;
}

absl::StatusOr<int64_t> ReleaseUncovered(WriteTx& tx) {
  Db& db = tx.db();
  auto release = db.Prepare(common::kReleaseUncoveredSql);
  if (!release.ok()) return release.status();
  absl::Status status = (*release)->Run();
  if (!status.ok()) return status;
  return static_cast<int64_t>(sqlite3_changes64(db.handle()));
}

}  // namespace herald::store::sqlite
