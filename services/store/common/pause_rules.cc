#include "services/store/common/pause_rules.h"

#include "services/core/strings.h"

namespace herald::store::common {

static_assert(std::string_view(kReleaseUncoveredSql).ends_with(kCoveredByPauseSql));

std::optional<core::Decision> HoldFor(const std::vector<core::Pause>& pauses,
                                      const core::Notification& n, core::Time now) {
  if (n.state != core::NotificationState::kQueued) return std::nullopt;
  const core::Pause* pause = core::FindPause(pauses, n.template_name, n.category, n.channel);
  if (pause == nullptr) return std::nullopt;
  return core::PausedDecision(*pause, now);
}

absl::Status AlreadyPaused(const core::Pause& existing) {
  return absl::AlreadyExistsError(
      core::StrCat(core::Describe(existing), " is already paused (by ", existing.paused_by, " at ",
                   core::FormatTime(existing.pause_time), ": ", existing.reason, ")"));
}

absl::Status NotPaused(core::PauseScope scope, std::string_view value) {
  return absl::NotFoundError(core::StrCat(core::Describe(scope, value), " is not paused"));
}

}  // namespace herald::store::common
