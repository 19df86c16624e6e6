// The conformance suite's dead-letter replays: the latest replay of each letter, for
// every instance that asks.
#include <gtest/gtest.h>

#include "tests/support/fake_clock.h"
#include "tests/unit/store/store_kinds.h"

namespace herald::store::testing {
namespace {

using herald::testing::TestEpoch;

template <typename Kind>
class DeadLetterConformance : public ::testing::Test {
 protected:
  Kind kind_;
};

TYPED_TEST_SUITE(DeadLetterConformance, StoreKinds, StoreKindNames);

TYPED_TEST(DeadLetterConformance, EachLetterKeepsItsLatestReplay) {
  auto store = this->kind_.Open({});
  auto none = store->GetReplays({"herald.dlq/0@1"});
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->empty());

  ASSERT_TRUE(store
                  ->RecordReplays({{"herald.dlq/0@1", TestEpoch(), "api-key:ops"},
                                   {"herald.dlq/2@7", TestEpoch(), "api-key:ops"}})
                  .ok());
  const core::Time later = TestEpoch() + std::chrono::minutes(5);
  ASSERT_TRUE(store->RecordReplays({{"herald.dlq/0@1", later, "jwt:jan@bank"}}).ok());

  auto replays = store->GetReplays({"herald.dlq/0@1", "herald.dlq/2@7", "herald.dlq/1@1"});
  ASSERT_TRUE(replays.ok()) << replays.status();
  ASSERT_EQ(replays->size(), 2u);
  EXPECT_EQ(replays->at("herald.dlq/0@1").replay_time, later);
  EXPECT_EQ(replays->at("herald.dlq/0@1").principal, "jwt:jan@bank");
  EXPECT_EQ(replays->at("herald.dlq/2@7").replay_time, TestEpoch());
  EXPECT_EQ(replays->at("herald.dlq/2@7").principal, "api-key:ops");
  EXPECT_FALSE(replays->contains("herald.dlq/1@1"));
}

}  // namespace
}  // namespace herald::store::testing
