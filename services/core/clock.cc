#include "services/core/clock.h"

namespace herald::core {

Time SystemClock::Now() const {
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

}  // namespace herald::core
