#pragma once

#include <optional>
#include <string>
#include <vector>

#include "services/core/notification.h"
#include "services/store/store.h"

// How a provider's receipt moves a notification, whatever the database: which attempt
// it is about, and where it leads (only forward).
namespace herald::store::common {

/// The attempt of `n` a receipt is about: by the provider's id (a provider that reuses
/// ids means the latest), or the latest on the receipt's channel when it names the
/// notification; null when none.
const core::DeliveryAttempt* ReceiptAttempt(const core::Notification& n, const Receipt& receipt);

/// What applying the receipt to `attempt` of `n` does.
struct ReceiptStep {
  ReceiptResult::Outcome outcome = ReceiptResult::Outcome::kIgnored;
  /// For kApplied: the state, the channel when it moves to the next one, the channels
  /// left, and the history's entry.
  core::NotificationState next = core::NotificationState::kSent;
  std::optional<core::Channel> channel;
  std::vector<core::Channel> fallbacks;
  std::string detail;
};
ReceiptStep NextAfterReceipt(const core::Notification& n, int attempt, const Receipt& receipt);

}  // namespace herald::store::common
