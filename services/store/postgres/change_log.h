#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "services/store/postgres/pg_conn.h"
#include "services/store/store.h"

// The change log (tables `changes`, `change_counter`, `change_cursors`): every state
// change, one row per transaction that made any, numbered in commit order.
namespace herald::store::postgres {

/// Numbers the transaction's changes (setting their sequence) and stores them as one
/// batch; the caller commits right after. The counter row stays locked until then, so
/// batches become visible in the order of their numbers.
absl::Status AppendChangeBatch(Conn& conn, std::vector<StatusChange>& changes);

/// The sequence of the latest change committed (0: none).
absl::StatusOr<int64_t> LastChangeSequence(Conn& conn);

/// The changes after `after`, oldest first, at most `limit`. OUT_OF_RANGE when some of
/// those were forgotten already, unless `skip_forgotten`.
absl::StatusOr<std::vector<StatusChange>> SelectChanges(Conn& conn, int64_t after, int limit,
                                                        bool skip_forgotten = false);

/// What the status topic has: every change up to this one.
absl::StatusOr<int64_t> StatusCursor(Conn& conn);
absl::Status SetStatusCursor(Conn& conn, int64_t sequence);

/// Forgets batches committed before `before` whose changes are all at or below
/// `published` (no limit when unset).
absl::Status DeleteOldChanges(Conn& conn, std::optional<int64_t> published,
                              std::chrono::system_clock::time_point before);

}  // namespace herald::store::postgres
