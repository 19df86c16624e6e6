#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "services/core/decision.h"
#include "services/core/notification.h"
#include "services/core/pause.h"

// What every store does the same way with operators' pauses, whatever the database.
namespace herald::store::common {

/// A condition on a row of the notifications table (named so, not aliased): some row
/// of the pauses table covers it (core::Covers in SQL, the same in both databases).
inline constexpr char kCoveredByPauseSql[] =
    "EXISTS (SELECT 1 FROM pauses p WHERE p.scope = 'ALL'"
    " OR (p.scope = 'TEMPLATE' AND p.value = notifications.template_name)"
    " OR (p.scope = 'CATEGORY' AND p.value = notifications.category)"
    " OR (p.scope = 'CHANNEL' AND p.value = notifications.channel))";

/// Paused notifications (DEFERRED with no due time) that no pause covers: made due at
/// their creation time, so they are decided again in their original order.
inline constexpr char kReleaseUncoveredSql[] =
    "UPDATE notifications SET due_us = create_time_us"
    " WHERE state = 'DEFERRED' AND due_us IS NULL AND NOT "
    "EXISTS (SELECT 1 FROM pauses p WHERE p.scope = 'ALL'"
    " OR (p.scope = 'TEMPLATE' AND p.value = notifications.template_name)"
    " OR (p.scope = 'CATEGORY' AND p.value = notifications.category)"
    " OR (p.scope = 'CHANNEL' AND p.value = notifications.channel))";

/// The decision holding QUEUED notification `n` for the first of `pauses` covering
/// it; nullopt when none does (it was claimed or changed meanwhile).
std::optional<core::Decision> HoldFor(const std::vector<core::Pause>& pauses,
                                      const core::Notification& n, core::Time now);

/// ALREADY_EXISTS: "template order_shipped is already paused (by api-key:ops-1 at ...:
/// REASON)".
absl::Status AlreadyPaused(const core::Pause& existing);
/// NOT_FOUND: "template order_shipped is not paused".
absl::Status NotPaused(core::PauseScope scope, std::string_view value);

}  // namespace herald::store::common
