#pragma once

#include <optional>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/core/clock.h"
#include "services/core/profile.h"

namespace herald::policy {

/// Quiet hours in the customer's own IANA time zone, computed with ICU so that the
/// end of a quiet window is right across daylight-saving changes.
class QuietHoursCalendar {
 public:
  /// When `at` falls inside the customer's quiet window, the instant it ends (the
  /// next local `end` time; a local time skipped by a DST change becomes the first
  /// valid instant after it, a repeated one its first occurrence); nullopt outside
  /// the window, or when start == end (no quiet hours). INVALID_ARGUMENT for an
  /// unknown time zone.
  static absl::StatusOr<std::optional<core::Time>> QuietUntil(const core::QuietHours& hours,
                                                              std::string_view time_zone,
                                                              core::Time at);
};

}  // namespace herald::policy
