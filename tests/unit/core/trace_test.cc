#include "services/core/trace.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

namespace herald::core {
namespace {

using ::testing::MatchesRegex;

TEST(TraceTest, AValidTraceparentGivesItsTraceId) {
  const std::string id = "4bf92f3577b34da6a3ce929d0e0e4736";
  EXPECT_EQ(TraceIdOf("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")->hex(), id);
  EXPECT_EQ(TraceIdOf(" 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00 ")->hex(), id);
  // A later version may carry more after a dash.
  EXPECT_EQ(TraceIdOf("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra")->hex(), id);
  EXPECT_TRUE(TraceId().empty());
  EXPECT_EQ(TraceId().hex(), "");
}

TEST(TraceTest, AnInvalidTraceparentIsIgnored) {
  for (const char* bad : {
           "", "not a traceparent",
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",    // zero trace
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",    // zero parent
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",    // upper case
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // version ff
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",  // 00 is exact
           "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",    // dashes misplaced
       }) {
    EXPECT_FALSE(TraceIdOf(bad).has_value()) << bad;
  }
}

TEST(TraceTest, NewTracesAreRandomAndHandOffSpansStable) {
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i) {
    const std::string id(NewTraceId().hex());
    EXPECT_THAT(id, MatchesRegex("[0-9a-f]{32}"));
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 100u);
  const TraceId trace = *TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736");
  const std::string first = Traceparent(trace, "n-1/1");
  EXPECT_THAT(first, MatchesRegex("00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01"));
  EXPECT_EQ(Traceparent(trace, "n-1/1"), first) << "the same attempt, the same span";
  EXPECT_NE(Traceparent(trace, "n-1/2"), first) << "a retry is a span of its own";
  EXPECT_EQ(TraceIdOf(first), trace) << "what Herald sends is valid";
}

}  // namespace
}  // namespace herald::core
