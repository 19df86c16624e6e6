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

}  // namespace
}  // namespace herald::dispatch
