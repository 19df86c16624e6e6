#pragma once

#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "services/store/postgres/pg_conn.h"
#include "services/store/postgres/tx.h"
#include "services/store/store.h"

// Hand-offs: QUEUED notifications claimed (SENDING, a new attempt in the record, the
// message kept), and each hand-off's result.
namespace herald::store::postgres {

absl::StatusOr<std::vector<core::Notification>> SelectDue(Conn& conn, core::Time now,
                                                          core::Channel channel, int limit);
/// False when the notification is no longer QUEUED at the expected attempt count.
absl::StatusOr<bool> ClaimRow(WriteTx& tx, const Claim& claim);
/// SENDING notifications with their attempts and the message of their channel.
absl::StatusOr<std::vector<DispatchItem>> SelectInFlight(Conn& conn);
/// False when the notification is no longer in that attempt.
absl::StatusOr<bool> ApplyAttempt(WriteTx& tx, const AttemptUpdate& update);
absl::StatusOr<std::optional<core::Time>> SelectNextDispatchTime(
    Conn& conn, const std::vector<core::Channel>& channels);

}  // namespace herald::store::postgres
