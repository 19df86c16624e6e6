#include "services/ingest/event_validator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/fake_clock.h"
#include "tests/unit/ingest/event_fixtures.h"

namespace herald::ingest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::TestEpoch;

const EventLimits kLimits;

Rejection RejectionOf(const v1::Event& e) {
  auto result = ValidateEvent(e, kLimits, TestEpoch());
  EXPECT_TRUE(std::holds_alternative<Rejection>(result));
  if (!std::holds_alternative<Rejection>(result)) return {};
  return std::get<Rejection>(result);
}

TEST(ValidateEvent, MapsAValidEventToTheDomain) {
  auto result = ValidateEvent(testing::OrderShipped("e1", "c1", TestEpoch()), kLimits, TestEpoch());
  ASSERT_TRUE(std::holds_alternative<core::Event>(result)) << std::get<Rejection>(result).Message();
  const core::Event& e = std::get<core::Event>(result);
  EXPECT_EQ(e.event_id, "e1");
  EXPECT_EQ(e.kind, core::EventKind::kOrder);
  EXPECT_EQ(e.occur_time, TestEpoch());
  EXPECT_THAT(e.customer_ids, ElementsAre("c1"));
  EXPECT_FALSE(e.has_audience);
  EXPECT_EQ(e.attributes.at("campaign"), "spring");
}

TEST(ValidateEvent, AnAudienceIsDeduplicatedInOrder) {
  auto result = ValidateEvent(testing::Outage("o1", {"b", "a", "b", "c", "a"}, TestEpoch()),
                              kLimits, TestEpoch());
  ASSERT_TRUE(std::holds_alternative<core::Event>(result));
  EXPECT_THAT(std::get<core::Event>(result).customer_ids, ElementsAre("b", "a", "c"));
  EXPECT_TRUE(std::get<core::Event>(result).has_audience);
}

TEST(ValidateEvent, EveryKindOfBadEventHasItsReasonAndField) {
  v1::Event e = testing::OrderShipped("e1", "c1", TestEpoch());
  e.clear_event_id();
  EXPECT_EQ(RejectionOf(e).reason, RejectReason::kMissingEventId);
  EXPECT_EQ(RejectionOf(e).Message(), "event.event_id: must be set");

  e = testing::OrderShipped("has space", "c1", TestEpoch());
  EXPECT_EQ(RejectionOf(e).reason, RejectReason::kInvalidEventId);

  e = testing::OrderShipped("e1", "c1", TestEpoch());
  e.set_event_type("order.teleported");
  EXPECT_EQ(RejectionOf(e).reason, RejectReason::kUnknownEventType);
  EXPECT_THAT(RejectionOf(e).Message(), HasSubstr("\"order.teleported\""));

  e = testing::OrderShipped("e1", "c1", TestEpoch());
  e.set_event_type("fraud.card_blocked");
  EXPECT_EQ(RejectionOf(e).reason, RejectReason::kPayloadMismatch);
  EXPECT_EQ(RejectionOf(e).Message(),
            "event.fraud: must be set for event type fraud.card_blocked (the event has a "
            "payload of kind order)");

  e = testing::OrderShipped("e1", "c1", TestEpoch());
  e.clear_occur_time();
  EXPECT_EQ(RejectionOf(e).reason, RejectReason::kBadTimestamp);
  e.mutable_occur_time()->set_seconds(
      std::chrono::duration_cast<std::chrono::seconds>(TestEpoch().time_since_epoch()).count() +
      86400 * 365);
  EXPECT_EQ(RejectionOf(e).reason, RejectReason::kBadTimestamp);
  EXPECT_THAT(RejectionOf(e).Message(), HasSubstr("in the future"));
  e.mutable_occur_time()->set_nanos(-5);
  EXPECT_EQ(RejectionOf(e).reason, RejectReason::kBadTimestamp);

  e = testing::OrderShipped("e1", "c1", TestEpoch());
  e.clear_customer_id();
  EXPECT_EQ(RejectionOf(e).reason, RejectReason::kMissingCustomer);
  e.set_customer_id("a b");
  EXPECT_EQ(RejectionOf(e).reason, RejectReason::kInvalidCustomerId);

  e = testing::Outage("o1", {"ok", "not ok"}, TestEpoch());
  EXPECT_EQ(RejectionOf(e).reason, RejectReason::kInvalidCustomerId);
  EXPECT_THAT(RejectionOf(e).Message(), HasSubstr("event.audience.customer_ids[1]: "));
  e = testing::Outage("o1", {}, TestEpoch());
  e.mutable_audience();
  EXPECT_EQ(RejectionOf(e).reason, RejectReason::kMissingCustomer);

  EventLimits small;
  small.max_audience = 2;
  auto too_many =
      ValidateEvent(testing::Outage("o1", {"a", "b", "c"}, TestEpoch()), small, TestEpoch());
  EXPECT_EQ(std::get<Rejection>(too_many).reason, RejectReason::kAudienceTooLarge);

  e = testing::OrderShipped("e1", "c1", TestEpoch());
  e.mutable_contact_overrides()->set_phone("06-12345678");
  EXPECT_EQ(RejectionOf(e).reason, RejectReason::kInvalidContactOverride);
  EXPECT_THAT(RejectionOf(e).Message(), HasSubstr("event.contact_overrides.phone: "));

  e = testing::OrderShipped("e1", "c1", TestEpoch());
  (*e.mutable_attributes())["bad-name"] = "x";
  EXPECT_EQ(RejectionOf(e).reason, RejectReason::kInvalidAttribute);
}

TEST(ValidateEvent, ContactOverridesAreNormalized) {
  v1::Event e = testing::OrderShipped("e1", "guest-1", TestEpoch());
  e.mutable_contact_overrides()->set_email("Guest@Example.COM");
  e.mutable_contact_overrides()->set_phone("+31 6 12345678");
  auto result = ValidateEvent(e, kLimits, TestEpoch());
  ASSERT_TRUE(std::holds_alternative<core::Event>(result));
  EXPECT_EQ(std::get<core::Event>(result).overrides.email, "Guest@example.com");
  EXPECT_EQ(std::get<core::Event>(result).overrides.phone, "+31612345678");
}

}  // namespace
}  // namespace herald::ingest
