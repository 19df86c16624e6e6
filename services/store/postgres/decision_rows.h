#pragma once

#include "absl/status/statusor.h"
#include "services/store/postgres/tx.h"
#include "services/store/store.h"

// A notification decided again (a deferral that came due): the row moves on and the
// decision is appended to its record.
namespace herald::store::postgres {

/// Applies one decision if the notification is still as it was read; false if not.
absl::StatusOr<bool> ApplyDecision(WriteTx& tx, const DecisionUpdate& update);

}  // namespace herald::store::postgres
