#pragma once

#include "absl/status/statusor.h"
#include "services/store/sqlite/sqlite_db.h"
#include "services/store/sqlite/write_tx.h"
#include "services/store/store.h"

// Operators' changes to notifications: retry, cancel, resolve (OperatorStore).
namespace herald::store::sqlite {

/// Applies one change in the transaction: the new state, the history's entry, and the
/// status topic's change.
absl::StatusOr<OperatorResult> ApplyOperatorChangeRow(WriteTx& tx, const OperatorChange& change);

}  // namespace herald::store::sqlite
