#pragma once

#include <atomic>

#include "services/core/clock.h"

namespace herald::testing {

/// A clock the test sets and advances by hand.
class FakeClock final : public core::Clock {
 public:
  explicit FakeClock(core::Time start) : now_(start) {}
  core::Time Now() const override { return now_.load(); }
  void Set(core::Time t) { now_.store(t); }
  void Advance(std::chrono::microseconds d) { now_.store(now_.load() + d); }

 private:
  std::atomic<core::Time> now_;
};

/// A UTC instant, e.g. Utc(2026, 3, 29, 1, 30) for 2026-03-29T01:30:00Z.
inline core::Time Utc(int year, unsigned month, unsigned day, int hour, int minute = 0) {
  using namespace std::chrono;
  return time_point_cast<microseconds>(sys_days{std::chrono::year{year} / month / day} +
                                       hours{hour} + minutes{minute});
}

/// 2026-03-01T12:00:00Z, a fixed start for tests.
inline core::Time TestEpoch() {
  using namespace std::chrono;
  return time_point_cast<microseconds>(sys_days{year{2026} / March / 1} + hours{12});
}

}  // namespace herald::testing
