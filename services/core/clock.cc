#include "services/core/clock.h"

#include "absl/time/time.h"

namespace herald::core {

Time SystemClock::Now() const {
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

std::string FormatTime(Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixMicros(t.time_since_epoch().count()),
                          absl::UTCTimeZone());
}

}  // namespace herald::core
