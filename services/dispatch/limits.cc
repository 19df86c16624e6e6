#include "services/dispatch/limits.h"

#include <algorithm>
#include <cmath>

namespace herald::dispatch {

TokenBucket::TokenBucket(double rate, int burst, core::Time now)
    : rate_(rate), burst_(std::max(1, burst)), tokens_(burst_), last_(now) {}

void TokenBucket::Refill(core::Time now) {
  if (now <= last_) return;
  const double seconds = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(burst_, tokens_ + seconds * rate_);
  last_ = now;
}

int TokenBucket::Available(core::Time now) {
  Refill(now);
  return static_cast<int>(std::floor(tokens_));
}

void TokenBucket::Take(int n) { tokens_ -= n; }

core::Time TokenBucket::NextToken(core::Time now) {
  Refill(now);
  if (tokens_ >= 1) return now;
  const double seconds = (1 - tokens_) / rate_;
  return now +
         std::chrono::duration_cast<core::Time::duration>(std::chrono::duration<double>(seconds));
}

void TokenBucket::Reconfigure(double rate, int burst, core::Time now) {
  Refill(now);
  rate_ = rate;
  burst_ = std::max(1, burst);
  tokens_ = std::min(tokens_, burst_);
}

void CircuitBreaker::Failed(core::Time now) {
  if (++failures_ >= threshold_) open_until_ = now + open_for_;
}

}  // namespace herald::dispatch
