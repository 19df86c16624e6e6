#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/core/clock.h"

namespace herald::store {

/// What erasing one customer removes from their notifications.
struct Erasure {
  std::string customer_id;
  /// The contact data and name they had (profile and the events' overrides): every
  /// free text of their notifications' records that quotes one has it replaced.
  std::vector<std::string> terms;
  core::Time at;
};

/// Forgetting: a customer's content on request, and everyone's past its retention.
/// A notification's content is its messages' addresses, subjects and bodies, its
/// event's subject and (once no notification of the event still needs it) the
/// event's body; what stays (states, times, channels, template names, counts) is
/// anonymous. Each notification whose content goes is marked purged, with the time and
/// reason of the first removal, so explain can say so.
class PrivacyStore {
 public:
  virtual ~PrivacyStore() = default;

  /// Removes the content of every notification of the customer, replaces the terms
  /// in their records' free texts with "[erased]" (and masks any other contact data
  /// there), and removes the bodies of the events addressed to them alone; in one
  /// transaction. Running it again changes nothing more. How many notifications were
  /// marked purged now.
  virtual absl::StatusOr<int64_t> EraseCustomerContent(const Erasure& erasure) = 0;

  /// Retention: removes the content of up to `limit` notifications created before
  /// `before` that are settled (not PENDING, DEFERRED, QUEUED or SENDING) and not yet
  /// purged, oldest first, marking them purged at `at`; and the bodies of their events
  /// that no unsettled notification needs. How many it purged (fewer than `limit`:
  /// none is left).
  virtual absl::StatusOr<int64_t> PurgeContent(core::Time before, core::Time at, int limit) = 0;

  /// Retention: deletes up to `limit` settled notifications created before `before`,
  /// oldest first, with their decisions, attempts, messages and provider ids, and the
  /// events left without a notification. How many notifications it deleted.
  virtual absl::StatusOr<int64_t> DeleteNotifications(core::Time before, int limit) = 0;
};

}  // namespace herald::store
