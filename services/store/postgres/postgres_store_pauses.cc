// PostgresStore's pauses of sending (PauseStore).
#include "services/store/common/pause_rules.h"
#include "services/store/postgres/pause_rows.h"
#include "services/store/postgres/postgres_store.h"

namespace herald::store::postgres {

absl::StatusOr<PauseChange> PostgresStore::AddPause(const core::Pause& pause) {
  PauseChange change;
  absl::Status status = Write([&](WriteTx& tx) -> absl::Status {
    change = {};  // a transaction retried starts over
    absl::Status inserted = InsertPause(tx.conn(), pause);
    if (!inserted.ok()) return inserted;
    absl::StatusOr<int64_t> held = HoldPaused(tx, {pause}, pause.pause_time);
    if (!held.ok()) return held.status();
    change.held = *held;
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return change;
}

absl::StatusOr<std::pair<core::Pause, PauseChange>> PostgresStore::RemovePause(
    core::PauseScope scope, std::string_view value) {
  std::pair<core::Pause, PauseChange> result;
  absl::Status status = Write([&](WriteTx& tx) -> absl::Status {
    result.second = {};
    absl::StatusOr<std::optional<core::Pause>> existing = SelectPause(tx.conn(), scope, value);
    if (!existing.ok()) return existing.status();
    if (!*existing) return common::NotPaused(scope, value);
    result.first = **existing;
    absl::Status removed = DeletePause(tx.conn(), scope, value);
    if (!removed.ok()) return removed;
    absl::StatusOr<int64_t> released = ReleaseUncovered(tx);
    if (!released.ok()) return released.status();
    result.second.released = *released;
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return result;
}

absl::StatusOr<std::vector<core::Pause>> PostgresStore::ListPauses() {
  absl::StatusOr<std::vector<core::Pause>> pauses;
  absl::Status status = Read([&](Conn& conn) {
    pauses = SelectPauses(conn);
    return pauses.status();
  });
  if (!status.ok()) return status;
  return pauses;
}

absl::StatusOr<PauseChange> PostgresStore::SweepPauses(core::Time now) {
  PauseChange change;
  absl::Status status = Write([&](WriteTx& tx) -> absl::Status {
    change = {};
    absl::StatusOr<std::vector<core::Pause>> pauses = SelectPauses(tx.conn());
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

}  // namespace herald::store::postgres
