#pragma once

#include <chrono>
#include <cstddef>
#include <variant>

#include "herald/v1/event.pb.h"
#include "services/core/clock.h"
#include "services/core/event.h"
#include "services/ingest/rejection.h"

namespace herald::ingest {

/// Limits on what an event may carry.
struct EventLimits {
  /// Largest encoded event accepted.
  size_t max_event_bytes = 256 * 1024;
  /// Most customers one event may address.
  size_t max_audience = 1'000'000;
  /// How far in the future occur_time may be (clocks differ; years ahead is a bug).
  std::chrono::seconds max_future_skew = std::chrono::hours(1);
  /// Most free attributes per event.
  size_t max_attributes = 64;
};

/// Checks an API event and maps it to the domain's: a known type whose prefix matches
/// the payload, an id, a plausible occur_time, valid customer ids (an audience is
/// de-duplicated), valid contact overrides and attribute names. Does not look at the
/// store: whether the customer is known is the caller's question.
std::variant<core::Event, Rejection> ValidateEvent(const v1::Event& event,
                                                   const EventLimits& limits, core::Time now);

}  // namespace herald::ingest
