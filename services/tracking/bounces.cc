#include "services/tracking/bounces.h"

#include "services/core/strings.h"

namespace herald::tracking {

absl::Status SuppressBouncedChannel(store::ProfileStore& store, std::string_view customer_id,
                                    core::Channel channel, std::string_view detail,
                                    core::Time now) {
  absl::StatusOr<core::Profile> updated = store.MutateProfile(
      customer_id, [&](const core::Profile* current) -> absl::StatusOr<core::Profile> {
        if (current == nullptr) return absl::NotFoundError("no profile");
        core::Profile p = *current;
        for (const core::Suppression& s : p.suppressions) {
          if (s.channel == channel && !s.category &&
              s.reason == core::SuppressionReason::kHardBounce) {
            return p;
          }
        }
        p.suppressions.push_back({channel, std::nullopt, core::SuppressionReason::kHardBounce,
                                  std::string(detail), now, std::nullopt});
        p.update_time = now;
        return p;
      });
  if (!updated.ok() && !absl::IsNotFound(updated.status())) return updated.status();
  return absl::OkStatus();
}

}  // namespace herald::tracking
