#pragma once

#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "services/store/sqlite/sqlite_db.h"
#include "services/store/sqlite/write_tx.h"
#include "services/store/store.h"

// Hand-offs: QUEUED notifications claimed (SENDING, a new attempt in the record, the
// message kept), and each hand-off's result.
namespace herald::store::sqlite {

absl::StatusOr<std::vector<core::Notification>> SelectDue(Db& db, core::Time now,
                                                          core::Channel channel, int limit);
/// False when the notification is no longer QUEUED at the expected attempt count.
absl::StatusOr<bool> ClaimRow(WriteTx& tx, const Claim& claim);
/// SENDING notifications with their attempts and the message of their channel.
absl::StatusOr<std::vector<DispatchItem>> SelectInFlight(Db& db);
/// False when the notification is no longer in that attempt.
absl::StatusOr<bool> ApplyAttempt(WriteTx& tx, const AttemptUpdate& update);
absl::StatusOr<std::optional<core::Time>> SelectNextDispatchTime(
    Db& db, const std::vector<core::Channel>& channels);

}  // namespace herald::store::sqlite
