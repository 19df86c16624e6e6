#include "services/dispatch/limits.h"

#include <gtest/gtest.h>

#include "tests/support/fake_clock.h"

namespace herald::dispatch {
namespace {

using testing::Utc;

TEST(TokenBucket, RefillsAtItsRateUpToTheBurst) {
  const core::Time t0 = Utc(2026, 1, 1, 0);
  TokenBucket bucket(2, 3, t0);
  EXPECT_EQ(bucket.Available(t0), 3);
  bucket.Take(3);
  EXPECT_EQ(bucket.Available(t0), 0);
  EXPECT_EQ(bucket.NextToken(t0), t0 + std::chrono::milliseconds(500));
  EXPECT_EQ(bucket.Available(t0 + std::chrono::seconds(1)), 2);
  EXPECT_EQ(bucket.Available(t0 + std::chrono::seconds(60)), 3);
}

TEST(TokenBucket, AReloadedRateAppliesFromThenKeepingWhatWasSavedUpToTheNewBurst) {
  const core::Time t0 = Utc(2026, 1, 1, 0);
  TokenBucket bucket(10, 10, t0);
  bucket.Take(4);  // 6 left
  bucket.Reconfigure(1, 3, t0);
  EXPECT_EQ(bucket.Available(t0), 3) << "no more than the new burst";
  bucket.Take(3);
  EXPECT_EQ(bucket.NextToken(t0), t0 + std::chrono::seconds(1)) << "one a second now";
  EXPECT_EQ(bucket.Available(t0 + std::chrono::seconds(2)), 2);
}

TEST(CircuitBreaker, AReloadedThresholdCountsTheFailuresSoFar) {
  const core::Time t0 = Utc(2026, 1, 1, 0);
  CircuitBreaker breaker(5, std::chrono::seconds(30));
  breaker.Failed(t0);
  breaker.Failed(t0);
  EXPECT_TRUE(breaker.Allows(t0));
  breaker.Reconfigure(3, std::chrono::seconds(60));
  breaker.Failed(t0);
  EXPECT_TRUE(breaker.IsOpen(t0));
  EXPECT_EQ(breaker.open_until(), t0 + std::chrono::seconds(60));
}

}  // namespace
}  // namespace herald::dispatch
