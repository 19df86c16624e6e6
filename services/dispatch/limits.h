#pragma once

#include <chrono>

#include "services/core/clock.h"

namespace herald::dispatch {

/// A token bucket: `rate` tokens a second, at most `burst` saved up.
class TokenBucket {
 public:
  TokenBucket(double rate, int burst, core::Time now);
  /// Whole tokens available at `now`.
  int Available(core::Time now);
  /// Spends `n` tokens (no more than Available returned).
  void Take(int n);
  /// When the next token will be there (now when one is).
  core::Time NextToken(core::Time now);
  /// A new rate and burst from `now` on (a reload); the tokens saved up are kept, up to
  /// the new burst.
  void Reconfigure(double rate, int burst, core::Time now);

 private:
  void Refill(core::Time now);
  double rate_;
  double burst_;
  double tokens_;
  core::Time last_;
};

/// A circuit breaker: `threshold` retryable failures in a row open it for `open_for`;
/// then one batch is let through (half-open), and one more failure opens it again.
class CircuitBreaker {
 public:
  CircuitBreaker(int threshold, std::chrono::seconds open_for)
      : threshold_(threshold), open_for_(open_for) {}
  bool Allows(core::Time now) const { return now >= open_until_; }
  bool IsOpen(core::Time now) const { return !Allows(now); }
  core::Time open_until() const { return open_until_; }
  /// A hand-off that reached the server (accepted or refused for good).
  void Succeeded() { failures_ = 0; }
  /// One that did not (connection, timeout, 4xx, 5xx from a provider).
  void Failed(core::Time now);
  /// A new threshold and open time (a reload): an open breaker stays open as it was.
  void Reconfigure(int threshold, std::chrono::seconds open_for) {
    threshold_ = threshold;
    open_for_ = open_for;
  }

 private:
  int threshold_;
  std::chrono::seconds open_for_;
  int failures_ = 0;
  core::Time open_until_{};
};

}  // namespace herald::dispatch
