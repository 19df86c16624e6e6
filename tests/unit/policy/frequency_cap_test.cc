#include "services/policy/frequency_cap.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/fake_clock.h"

namespace herald::policy {
namespace {

using core::Category;
using std::chrono::hours;
using ::testing::HasSubstr;
using testing::TestEpoch;  // 2026-03-01T12:00:00Z

constexpr auto kDay = hours(24);

CapRules Rules() {
  CapRules rules;
  rules.categories[Category::kInformational] = {Cap{2, kDay * 7}, OverCap::kDefer};
  rules.categories[Category::kSurvey] = {Cap{1, kDay * 30}, OverCap::kDrop};
  rules.global = Cap{5, kDay};
  return rules;
}

TEST(FrequencyCap, AReachedCapDefersUntilTheOldestSendLeavesTheWindow) {
  const core::Time now = TestEpoch();
  const std::vector<SentMessage> sent = {{Category::kInformational, now - hours(24)},
                                         {Category::kInformational, now - kDay * 6}};
  CapVerdict v = CheckFrequencyCaps(Rules(), Category::kInformational, sent, now);
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.action, OverCap::kDefer);
  EXPECT_EQ(v.defer_until, now + kDay);  // (now - 6d) + 7d
  EXPECT_EQ(v.rule, "INFORMATIONAL cap 2/7d");
  EXPECT_EQ(v.detail,
            "INFORMATIONAL cap 2/7d reached: sent at 2026-02-23T12:00:00Z, 2026-02-28T12:00:00Z");
  // At that moment the cap allows it.
  EXPECT_TRUE(CheckFrequencyCaps(Rules(), Category::kInformational, sent, now + kDay).allowed);
}

TEST(FrequencyCap, TheWindowIsHalfOpenAtItsOldEnd) {
  const core::Time now = TestEpoch();
  // One send exactly 7 days ago no longer counts; one a microsecond later does.
  std::vector<SentMessage> sent = {{Category::kInformational, now - kDay * 7},
                                   {Category::kInformational, now - hours(1)}};
  EXPECT_TRUE(CheckFrequencyCaps(Rules(), Category::kInformational, sent, now).allowed);
  sent[0].sent_time += std::chrono::microseconds(1);
  EXPECT_FALSE(CheckFrequencyCaps(Rules(), Category::kInformational, sent, now).allowed);
}

TEST(FrequencyCap, DropCategoriesAreNeverDeferred) {
  const core::Time now = TestEpoch();
  CapVerdict v =
      CheckFrequencyCaps(Rules(), Category::kSurvey, {{Category::kSurvey, now - kDay * 29}}, now);
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.action, OverCap::kDrop);
  EXPECT_EQ(v.defer_until, std::nullopt);
  EXPECT_EQ(v.rule, "SURVEY cap 1/30d");
}

TEST(FrequencyCap, TheGlobalCapCountsEveryCategoryButSecurityIsNeverCapped) {
  const core::Time now = TestEpoch();
  std::vector<SentMessage> sent;
  for (int i = 1; i <= 5; ++i) sent.push_back({Category::kOrderUpdate, now - hours(i)});
  CapVerdict v = CheckFrequencyCaps(Rules(), Category::kServiceUpdate, sent, now);
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.rule, "global cap 5/1d");
  EXPECT_EQ(v.defer_until, now - hours(5) + kDay);
  EXPECT_TRUE(CheckFrequencyCaps(Rules(), Category::kSecurity, sent, now).allowed);
}

TEST(FrequencyCap, WhenBothCapsAreReachedTheLaterMomentWins) {
  const core::Time now = TestEpoch();
  std::vector<SentMessage> sent = {{Category::kInformational, now - kDay * 5},
                                   {Category::kInformational, now - hours(2)}};
  for (int i = 3; i <= 6; ++i) sent.push_back({Category::kReminder, now - hours(i)});
  CapVerdict v = CheckFrequencyCaps(Rules(), Category::kInformational, sent, now);
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.rule, "INFORMATIONAL cap 2/7d and global cap 5/1d");
  // Category: (now - 5d) + 7d = now + 2d. Global: five sends in the last day, the
  // oldest at now - 6h, so now + 18h. Both must allow it: now + 2d.
  EXPECT_EQ(v.defer_until, now + kDay * 2);
  EXPECT_THAT(v.detail, HasSubstr("; global cap 5/1d reached: sent at"));
}

TEST(FrequencyCap, OtherCategoriesAndUncappedCategoriesPass) {
  const core::Time now = TestEpoch();
  const std::vector<SentMessage> sent = {{Category::kSurvey, now - hours(1)},
                                         {Category::kSurvey, now - hours(2)}};
  EXPECT_TRUE(CheckFrequencyCaps(Rules(), Category::kInformational, sent, now).allowed);
  EXPECT_TRUE(CheckFrequencyCaps(CapRules{}, Category::kSurvey, sent, now).allowed);
}

TEST(FormatWindow, UsesTheLargestWholeUnit) {
  EXPECT_EQ(FormatWindow(kDay * 30), "30d");
  EXPECT_EQ(FormatWindow(hours(36)), "36h");
  EXPECT_EQ(FormatWindow(std::chrono::minutes(90)), "90m");
  EXPECT_EQ(FormatWindow(std::chrono::seconds(45)), "45s");
}

}  // namespace
}  // namespace herald::policy
