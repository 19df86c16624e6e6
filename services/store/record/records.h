#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "services/core/decision.h"
#include "services/core/notification.h"
#include "services/core/profile.h"
#include "services/store/store.h"

// The packed parts of the store's rows (records.proto), to and from domain types.
namespace herald::store::record {

/// What a notification row keeps packed: its history, decoded.
struct NotificationHistory {
  /// Every decision, oldest first, with the state it led to.
  std::vector<std::pair<core::Decision, core::NotificationState>> decisions;
  /// Every hand-off, in number order.
  std::vector<core::DeliveryAttempt> attempts;
  /// The state changes after the decisions, oldest first.
  std::vector<core::StateChange> changes;
  /// The first removal of its message content, if any.
  std::optional<core::ContentPurge> purge;
};

// The bytes that add one item to a row's record when appended to it (see records.proto).
std::string DecisionBytes(const core::Decision& decision, core::NotificationState state);
/// An attempt as it starts, or again as it ends (the later entry adds what it sets).
std::string AttemptBytes(const core::DeliveryAttempt& attempt);
std::string ChangeBytes(const core::StateChange& change);
std::string PurgeBytes(const core::ContentPurge& purge);

/// The record with `scrub` applied to every free text in it (decisions' and rule
/// evaluations' details, attempts' details, state changes' details); DATA_LOSS when not
/// understood.
absl::StatusOr<std::string> ScrubRecord(std::string_view bytes, std::string_view notification_id,
                                        const std::function<std::string(std::string_view)>& scrub);

/// DATA_LOSS naming the notification when the bytes are not a record this version
/// understands.
absl::StatusOr<NotificationHistory> DecodeHistory(std::string_view bytes,
                                                  std::string_view notification_id);

/// Changes committed together, in order.
std::string EncodeChangeBatch(const std::vector<StatusChange>& changes);
/// The batch's changes numbered from `first_sequence`; DATA_LOSS when not understood.
absl::StatusOr<std::vector<StatusChange>> DecodeChangeBatch(std::string_view bytes,
                                                            int64_t first_sequence);

/// A profile packed in one value (all but its id).
std::string EncodeProfile(const core::Profile& profile);
/// DATA_LOSS naming the customer when the bytes are not a profile this version
/// understands.
absl::StatusOr<core::Profile> DecodeProfile(std::string_view bytes, std::string_view customer_id);

}  // namespace herald::store::record
