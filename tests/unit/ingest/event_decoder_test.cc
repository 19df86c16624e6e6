#include "services/ingest/event_decoder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/fake_clock.h"
#include "tests/unit/ingest/event_fixtures.h"

namespace herald::ingest {
namespace {

using ::testing::HasSubstr;

constexpr size_t kMax = 64 * 1024;

RejectReason ReasonOf(const std::variant<v1::Event, Rejection>& decoded) {
  EXPECT_TRUE(std::holds_alternative<Rejection>(decoded));
  return std::get<Rejection>(decoded).reason;
}

TEST(DecodeEvent, ProtobufAndJsonGiveTheSameEvent) {
  v1::Event event = testing::OrderShipped("e1", "c1", testing::TestEpoch());
  auto from_proto = DecodeEvent(event.SerializeAsString(), "", kMax);
  ASSERT_TRUE(std::holds_alternative<v1::Event>(from_proto));
  const std::string json = R"({"event_id": "e1", "event_type": "order.shipped",
      "occur_time": "2026-03-01T12:00:00Z", "source": "webshop", "customer_id": "c1",
      "order": {"order_id": "o-1", "carrier": "PostNL"}, "attributes": {"campaign": "spring"}})";
  auto from_json = DecodeEvent(json, "application/json; charset=utf-8", kMax);
  ASSERT_TRUE(std::holds_alternative<v1::Event>(from_json))
      << std::get<Rejection>(from_json).Message();
  EXPECT_EQ(std::get<v1::Event>(from_json).SerializeAsString(),
            std::get<v1::Event>(from_proto).SerializeAsString());
}

TEST(DecodeEvent, ContentTypesAreRecognized) {
  v1::Event event = testing::OrderShipped("e1", "c1", testing::TestEpoch());
  for (const char* type :
       {"application/x-protobuf", "application/protobuf", "Application/X-Protobuf"}) {
    EXPECT_TRUE(
        std::holds_alternative<v1::Event>(DecodeEvent(event.SerializeAsString(), type, kMax)))
        << type;
  }
  auto other = DecodeEvent("<xml/>", "text/xml", kMax);
  EXPECT_EQ(ReasonOf(other), RejectReason::kUnsupportedContentType);
  EXPECT_THAT(std::get<Rejection>(other).Message(), HasSubstr("text/xml"));
}

TEST(DecodeEvent, BrokenInputHasItsReason) {
  std::string wire = testing::OrderShipped("e1", "c1", testing::TestEpoch()).SerializeAsString();
  EXPECT_EQ(ReasonOf(DecodeEvent(wire.substr(0, wire.size() / 2), "", kMax)),
            RejectReason::kMalformedProtobuf);
  EXPECT_EQ(ReasonOf(DecodeEvent("\xff\xff\xff\xff", "", kMax)), RejectReason::kMalformedProtobuf);

  // Field 1 (event_id), length-delimited, with bytes that are not UTF-8.
  const std::string bad_utf8 = std::string("\x0a\x02\xc3\x28", 4);
  EXPECT_EQ(ReasonOf(DecodeEvent(bad_utf8, "", kMax)), RejectReason::kInvalidUtf8);
  EXPECT_EQ(ReasonOf(DecodeEvent("{\"event_id\": \"\xc3\x28\"}", "application/json", kMax)),
            RejectReason::kInvalidUtf8);

  EXPECT_EQ(ReasonOf(DecodeEvent("{\"event_id\": 42}", "application/json", kMax)),
            RejectReason::kMalformedJson);
  auto unknown = DecodeEvent("{\"event_idd\": \"x\"}", "application/json", kMax);
  EXPECT_EQ(ReasonOf(unknown), RejectReason::kMalformedJson);
  EXPECT_THAT(std::get<Rejection>(unknown).Message(), HasSubstr("event_idd"));
  EXPECT_EQ(ReasonOf(DecodeEvent("{\"event_id\": ", "application/json", kMax)),
            RejectReason::kMalformedJson);

  auto big = DecodeEvent(std::string(kMax + 1, 'x'), "", kMax);
  EXPECT_EQ(ReasonOf(big), RejectReason::kOversized);
  EXPECT_THAT(std::get<Rejection>(big).Message(), HasSubstr("message is 65537 bytes"));
}

}  // namespace
}  // namespace herald::ingest
