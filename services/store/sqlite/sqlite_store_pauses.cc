// SqliteStore's pauses of sending (PauseStore).
#include "services/store/common/pause_rules.h"
#include "services/store/sqlite/pause_rows.h"
#include "services/store/sqlite/sqlite_store.h"

namespace herald::store::sqlite {

absl::StatusOr<PauseChange> SqliteStore::AddPause(const core::Pause& pause) {
  PauseChange change;
  absl::Status status = Write(
      [&](WriteTx& tx) -> absl::Status {
        change = {};
        absl::StatusOr<std::optional<core::Pause>> existing =
            SelectPause(tx.db(), pause.scope, pause.value);
        if (!existing.ok()) return existing.status();
        if (*existing) return common::AlreadyPaused(**existing);
        absl::Status inserted = InsertPause(tx.db(), pause);
        if (!inserted.ok()) return inserted;
        absl::StatusOr<int64_t> held = HoldPaused(tx, {pause}, pause.pause_time);
        if (!held.ok()) return held.status();
        change.held = *held;
        return absl::OkStatus();
      },
      Connections::Priority::kUrgent);
  if (!status.ok()) return status;
  return change;
}

absl::StatusOr<std::pair<core::Pause, PauseChange>> SqliteStore::RemovePause(
    core::PauseScope scope, std::string_view value) {
  std::pair<core::Pause, PauseChange> result;
  absl::Status status = Write(
      [&](WriteTx& tx) -> absl::Status {
        result.second = {};
        absl::StatusOr<std::optional<core::Pause>> existing = SelectPause(tx.db(), scope, value);
        if (!existing.ok()) return existing.status();
        if (!*existing) return common::NotPaused(scope, value);
        result.first = **existing;
        absl::Status removed = DeletePause(tx.db(), scope, value);
        if (!removed.ok()) return removed;
        absl::StatusOr<int64_t> released = ReleaseUncovered(tx);
        if (!released.ok()) return released.status();
        result.second.released = *released;
        return absl::OkStatus();
      },
      Connections::Priority::kUrgent);
  if (!status.ok()) return status;
  return result;
}

absl::StatusOr<std::vector<core::Pause>> SqliteStore::ListPauses() {
  absl::StatusOr<std::vector<core::Pause>> pauses;
  absl::Status status = Read([&](Db& db) {
    pauses = SelectPauses(db);
    return pauses.status();
  });
  if (!status.ok()) return status;
  return pauses;
}

absl::StatusOr<PauseChange> SqliteStore::SweepPauses(core::Time now) {
  PauseChange change;
  absl::Status status = Write([&](WriteTx& tx) -> absl::Status {
    change = {};
    absl::StatusOr<std::vector<core::Pause>> pauses = SelectPauses(tx.db());
    if (!pauses.ok()) return pauses.status();
    absl::StatusOr<int64_t> held = HoldPaused(tx, *pauses, now);
    if (!held.ok()) return held.status();
    absl::StatusOr<int64_t> released = ReleaseUncovered(tx);
    if (!released.ok()) return released.status();
    change = {.held = *held, .released = *released};
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return change;
}

}  // namespace herald::store::sqlite
