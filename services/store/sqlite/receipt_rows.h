#pragma once

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/store/sqlite/sqlite_db.h"
#include "services/store/sqlite/write_tx.h"
#include "services/store/store.h"

// Provider receipts: applied to a notification's latest attempt, only forward; held
// (table `early_receipts`) when they come before the hand-off's result is recorded;
// found by the provider's id (table `provider_ids`).
namespace herald::store::sqlite {

absl::StatusOr<ReceiptResult> ApplyReceiptRow(WriteTx& tx, const Receipt& receipt);

/// Notes that `attempt` of a notification has the provider's id (for its receipts).
absl::Status RememberProviderId(Db& db, core::Channel channel, std::string_view provider_id,
                                int64_t notification_seq, int attempt, core::Time at);

/// Applies the receipts held for a provider id, now that an attempt has it; a held
/// receipt counts from `recorded` at the earliest, so the history stays in order.
absl::Status ApplyEarlyReceipts(WriteTx& tx, core::Channel channel, std::string_view provider_id,
                                core::Time recorded);

}  // namespace herald::store::sqlite
