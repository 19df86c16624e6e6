#pragma once

#include <chrono>
#include <string>

namespace herald::core {

/// A point in time, microsecond precision, UTC.
using Time = std::chrono::sys_time<std::chrono::microseconds>;

/// Source of the current time; injected so that tests control it.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Time Now() const = 0;
};

/// The real wall clock.
class SystemClock final : public Clock {
 public:
  Time Now() const override;
};

/// RFC 3339 in UTC to the second, e.g. "2026-03-01T12:00:00Z".
std::string FormatTime(Time t);

}  // namespace herald::core
