#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/core/pause.h"
#include "services/store/sqlite/sqlite_db.h"
#include "services/store/sqlite/write_tx.h"

// Operators' pauses of sending and the notifications they hold (PauseStore).
namespace herald::store::sqlite {

/// Every pause in force, oldest first.
absl::StatusOr<std::vector<core::Pause>> SelectPauses(Db& db);
/// The pause of one scope and value, if there is one.
absl::StatusOr<std::optional<core::Pause>> SelectPause(Db& db, core::PauseScope scope,
                                                       std::string_view value);
absl::Status InsertPause(Db& db, const core::Pause& pause);
absl::Status DeletePause(Db& db, core::PauseScope scope, std::string_view value);

/// Holds every QUEUED notification one of `pauses` (those in force) covers: DEFERRED,
/// reason PAUSED, no due time, with its decision and status change. Returns how many.
absl::StatusOr<int64_t> HoldPaused(WriteTx& tx, const std::vector<core::Pause>& pauses,
                                   core::Time now);
/// Makes the paused notifications no pause covers due at their creation time; returns
/// how many.
absl::StatusOr<int64_t> ReleaseUncovered(WriteTx& tx);

}  // namespace herald::store::sqlite
