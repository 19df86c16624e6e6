#pragma once

#include <chrono>

namespace herald::dispatch {

/// How a channel's hand-offs are paced and retried.
struct ChannelPolicy {
  /// Token bucket per connector (per provider account): sends a second, and burst.
  double rate_per_second = 50;
  int burst = 50;
  /// Sends in flight at once: each is claimed (SENDING, durably) just before its
  /// hand-off, so a crash leaves at most this many for an operator.
  int concurrency = 8;
  /// Retries: exponential backoff with jitter (a wait between half and all of it),
  /// until max_age after the policy let the notification go; then the next channel.
  std::chrono::seconds initial_backoff{30};
  double multiplier = 2.0;
  std::chrono::seconds max_backoff{std::chrono::hours(1)};
  std::chrono::seconds max_age{std::chrono::hours(24)};
  /// Circuit breaker: retryable failures in a row that stop sends for open_for.
  int breaker_failures = 5;
  std::chrono::seconds breaker_open_for{30};
  /// After a crash, a send that was in flight is sent again with the same idempotency
  /// key (for providers that honour it), or marked UNKNOWN for an operator.
  bool resend_after_crash = false;
};

}  // namespace herald::dispatch
