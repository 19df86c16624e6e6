#include "services/store/common/receipt_rules.h"

#include "services/core/strings.h"

namespace herald::store::common {
namespace {

using core::NotificationState;

// How far a notification has come after its hand-off; receipts only move it forward.
int Progress(NotificationState state) {
  switch (state) {
    case NotificationState::kSent:
      return 1;
    case NotificationState::kDelivered:
    case NotificationState::kFailed:
    case NotificationState::kBounced:
      return 2;
    default:
      return 0;
  }
}

}  // namespace

const core::DeliveryAttempt* ReceiptAttempt(const core::Notification& n, const Receipt& receipt) {
  const core::DeliveryAttempt* attempt = nullptr;
  for (const core::DeliveryAttempt& a : n.attempts) {
    if (a.channel != receipt.channel) continue;
    if (!receipt.notification_id.empty() || a.provider_message_id == receipt.provider_message_id) {
      if (attempt == nullptr || a.number > attempt->number) attempt = &a;
    }
  }
  return attempt;
}

ReceiptStep NextAfterReceipt(const core::Notification& n, int attempt, const Receipt& receipt) {
  ReceiptStep step;
  if (attempt == n.attempt_count && n.state == NotificationState::kSending) {
    step.outcome = ReceiptResult::Outcome::kInFlight;
    return step;
  }
  // Only about the latest attempt, and only forward.
  if (attempt != n.attempt_count || Progress(receipt.state) <= Progress(n.state) ||
      Progress(n.state) == 0) {
    step.outcome = ReceiptResult::Outcome::kIgnored;
    return step;
  }
  step.outcome = ReceiptResult::Outcome::kApplied;
  step.next = receipt.state;
  step.fallbacks = n.fallback_channels;
  step.detail = core::StrCat("receipt: ", receipt.detail);
  const bool failed =
      receipt.state == NotificationState::kFailed || receipt.state == NotificationState::kBounced;
  if (failed && !step.fallbacks.empty()) {
    step.next = NotificationState::kQueued;
    step.channel = step.fallbacks.front();
    step.fallbacks.erase(step.fallbacks.begin());
    core::StrAppend(step.detail, "; next: ", core::Name(*step.channel));
  }
  return step;
}

}  // namespace herald::store::common
