#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "services/store/sqlite/sqlite_db.h"
#include "services/store/store.h"

// The change log (table `changes`): every state change, one row per transaction that
// made any, and how far the status topic has come (table `change_cursors`).
namespace herald::store::sqlite {

/// The sequence of the latest change ever numbered (0: none), kept or not.
absl::StatusOr<int64_t> LastChangeSequence(Db& db);

/// Numbers the changes from `first` on (setting their sequence) and stores them as one
/// batch.
absl::Status AppendChangeBatch(Db& db, int64_t first, std::vector<StatusChange>& changes);

/// The changes after `after`, oldest first, at most `limit`.
/// OUT_OF_RANGE when some of those were forgotten already, unless `skip_forgotten`.
absl::StatusOr<std::vector<StatusChange>> SelectChanges(Db& db, int64_t after, int limit,
                                                        bool skip_forgotten = false);

/// What the status topic has: every change up to this one.
absl::StatusOr<int64_t> StatusCursor(Db& db);
absl::Status SetStatusCursor(Db& db, int64_t sequence);

/// Forgets batches committed before `before` whose changes are all at or below
/// `published` (no limit when unset).
absl::Status DeleteOldChanges(Db& db, std::optional<int64_t> published,
                              std::chrono::system_clock::time_point before);

}  // namespace herald::store::sqlite
