#include "services/heraldd/logging.h"

#include <gtest/gtest.h>

namespace herald::heraldd {
namespace {

TEST(LogLineAsJsonTest, EveryLogfmtFieldBecomesAMember) {
  EXPECT_EQ(LogLineAsJson("2026-12-07T07:00:00.000001Z", "debug",
                          "msg=\"handed off\" notification_id=n-1 "
                          "trace_id=4bf92f3577b34da6a3ce929d0e0e4736 channel=SMS attempt=1"),
            "{\"time\":\"2026-12-07T07:00:00.000001Z\",\"level\":\"debug\",\"msg\":\"handed "
            "off\",\"notification_id\":\"n-1\",\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\","
            "\"channel\":\"SMS\",\"attempt\":\"1\"}");
}

TEST(LogLineAsJsonTest, QuotesBackslashesAndControlsInAValueAreEscaped) {
  // A provider's words quoted inside a detail, a tab and a backslash.
  EXPECT_EQ(
      LogLineAsJson("t", "warn", "msg=\"not rendered\" error=\"say \"hi\"\tC:\\x\" empty= x=1"),
      "{\"time\":\"t\",\"level\":\"warn\",\"msg\":\"not rendered\",\"error\":\"say "
      "\\\"hi\\\"\\tC:\\\\x\",\"empty\":\"\",\"x\":\"1\"}");
}

TEST(LogLineAsJsonTest, WhatIsNotLogfmtIsKeptWholeAndValid) {
  EXPECT_EQ(LogLineAsJson("t", "info", "plain words \"open"),
            "{\"time\":\"t\",\"level\":\"info\",\"msg\":\"plain words \\\"open\"}");
  EXPECT_EQ(LogLineAsJson("t", "info", "msg=\"unclosed"),
            "{\"time\":\"t\",\"level\":\"info\",\"msg\":\"msg=\\\"unclosed\"}");
  // Invalid UTF-8 is replaced, so every line stays valid JSON.
  EXPECT_EQ(LogLineAsJson("t", "info", "msg=\"a\xff\""),
            "{\"time\":\"t\",\"level\":\"info\",\"msg\":\"a\xef\xbf\xbd\"}");
  // A field may not override time or level.
  EXPECT_EQ(LogLineAsJson("t", "info", "level=fake msg=x"),
            "{\"time\":\"t\",\"level\":\"info\",\"msg\":\"x\"}");
}

}  // namespace
}  // namespace herald::heraldd
