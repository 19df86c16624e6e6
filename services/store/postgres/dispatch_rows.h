#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/store/postgres/pg_conn.h"
#include "services/store/postgres/tx.h"
#include "services/store/store.h"

// Hand-offs: QUEUED notifications claimed (SENDING, a new attempt in the record, the
// message kept), and each hand-off's result.
namespace herald::store::postgres {

/// Who holds a hand-off, and for how long (PostgresStore::Options).
struct Lease {
  std::string owner;
  std::chrono::milliseconds length;
};

absl::StatusOr<std::vector<core::Notification>> SelectDue(Conn& conn, core::Time now,
                                                          core::Channel channel, int limit);
/// False when the notification is no longer QUEUED at the expected attempt count. The
/// claim holds the hand-off for `lease`.
absl::StatusOr<bool> ClaimRow(WriteTx& tx, const Claim& claim, const Lease& lease);
/// SENDING notifications whose lease ran out (and, `including_own`, those leased under
/// lease.owner's name), taken over for `lease` (one instance each: those another is
/// taking over are skipped), with their attempts and the message of their channel.
absl::StatusOr<std::vector<DispatchItem>> TakeOverInFlight(Conn& conn, const Lease& lease,
                                                           bool including_own);
/// Extends every lease lease.owner holds on a SENDING notification to lease.length
/// from now.
absl::Status RenewLeases(Conn& conn, const Lease& lease);
/// False when the notification is no longer in that attempt.
absl::StatusOr<bool> ApplyAttempt(WriteTx& tx, const AttemptUpdate& update);
absl::StatusOr<std::optional<core::Time>> SelectNextDispatchTime(
    Conn& conn, const std::vector<core::Channel>& channels);

}  // namespace herald::store::postgres
