#pragma once

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/store/postgres/tx.h"
#include "services/store/store.h"

// Provider receipts: applied to a notification's latest attempt, only forward; held
// (table `early_receipts`) when they come before the hand-off's result is recorded;
// found by the provider's id (table `provider_ids`).
namespace herald::store::postgres {

absl::StatusOr<ReceiptResult> ApplyReceiptRow(WriteTx& tx, const Receipt& receipt);

/// Orders, until the transaction ends, whoever looks up or notes this provider id: a
/// receipt is either held before a hand-off's result notes the id (which then takes
/// it), or finds the id noted; never held unseen by both.
absl::Status LockProviderId(Conn& conn, core::Channel channel, std::string_view provider_id);

/// Notes that `attempt` of a notification has the provider's id (for its receipts),
/// and applies the receipts held for that id; a held receipt counts from `at` at the
/// earliest, so the history stays in order.
absl::Status RememberProviderId(WriteTx& tx, core::Channel channel, std::string_view provider_id,
                                int64_t notification_seq, int attempt, core::Time at);

}  // namespace herald::store::postgres
