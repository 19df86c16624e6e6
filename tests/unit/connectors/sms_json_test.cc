#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "connectors/sms/json.h"

namespace herald::connectors::sms {
namespace {

std::string Quoted(std::string_view text) {
  std::string out;
  AppendJsonString(out, text);
  return out;
}

TEST(SmsJson, TextIsWrittenAsAJsonStringThatReadsBackTheSame) {
  EXPECT_EQ(Quoted("Je pakket is onderweg"), "\"Je pakket is onderweg\"");
  EXPECT_EQ(Quoted("a \"quote\", a \\ and\na line"), "\"a \\\"quote\\\", a \\\\ and\\na line\"");
  EXPECT_EQ(Quoted(std::string("bell\x07 tab\t", 10)), "\"bell\\u0007 tab\\t\"");
  EXPECT_EQ(Quoted("€ 12,50 😀"), "\"€ 12,50 😀\"");  // UTF-8 as it is

  for (const std::string& text :
       std::vector<std::string>{"plain", "quote \" and \\ slash /", "line\nfeed\r\n",
                                std::string("\x01\x1f\x7f", 3), "ünïcødé 😀"}) {
    const std::string json = "{\"id\": " + Quoted(text) + "}";
    EXPECT_EQ(TopLevelField(json, "id"), text) << json;
  }
}

TEST(SmsJson, OnlyTheTopLevelFieldIsRead) {
  EXPECT_EQ(TopLevelField(R"({"id": "SM-1", "status": "queued"})", "id"), "SM-1");
  EXPECT_EQ(TopLevelField(R"({"error": {"id": "inner"}, "id": "outer"})", "id"), "outer");
  EXPECT_EQ(TopLevelField(R"({"error": {"id": "inner"}})", "id"), "");
  EXPECT_EQ(TopLevelField(R"({"code": 21211, "more": [1, 2.5e3, true, null]})", "code"), "21211");
  EXPECT_EQ(TopLevelField(R"({"id": null})", "id"), "");
  EXPECT_EQ(TopLevelField(R"( {} )", "id"), "");
  EXPECT_EQ(TopLevelField(R"(["id", "x"])", "id"), "");
  EXPECT_EQ(TopLevelField(R"({"id": "\u00e9\ud83d\ude00"})", "id"), "é😀");
}

TEST(SmsJson, MalformedAnswersAreNotRead) {
  for (const char* bad :
       {"", "{", R"({"id": "SM-1")", R"({"id" "SM-1"})", R"({"id": 'x'})", R"({"id": "SM-1",})",
        R"({"id": "SM-1"} trailing)", R"({"id": 01})", R"({"id": "\x"})", R"({"id": "\ud83d"})",
        "{\"id\": \"a\nb\"}", R"({"id": tru})", "<html>502 Bad Gateway</html>"}) {
    EXPECT_EQ(TopLevelField(bad, "id"), std::nullopt) << bad;
  }
  std::string deep(100, '[');
  deep += std::string(100, ']');
  EXPECT_EQ(TopLevelField("{\"a\": " + deep + "}", "id"), std::nullopt);
}

}  // namespace
}  // namespace herald::connectors::sms
