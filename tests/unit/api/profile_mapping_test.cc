#include "services/api/profile_mapping.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/api/time_mapping.h"
#include "tests/support/fake_clock.h"

namespace herald::api {
namespace {

using ::testing::HasSubstr;
using testing::TestEpoch;

v1::CustomerProfile Valid() {
  v1::CustomerProfile p;
  p.set_customer_id("cust-1");
  p.set_display_name("Anna de Vries");
  p.set_email("anna@Example.NL");
  p.set_phone("+31 6 12345678");
  p.set_locale("nl-be");
  p.set_time_zone("Europe/Amsterdam");
  p.add_preferred_channels(v1::CHANNEL_SMS);
  p.add_preferred_channels(v1::CHANNEL_EMAIL);
  v1::Consent* c = p.add_consents();
  c->set_category(v1::CATEGORY_SURVEY);
  c->set_channel(v1::CHANNEL_EMAIL);
  c->set_state(v1::CONSENT_STATE_GRANTED);
  c->set_source("web-preferences");
  p.mutable_quiet_hours()->mutable_start()->set_hours(22);
  p.mutable_quiet_hours()->mutable_end()->set_hours(7);
  p.mutable_quiet_hours()->mutable_end()->set_minutes(30);
  v1::Suppression* s = p.add_suppressions();
  s->set_channel(v1::CHANNEL_EMAIL);
  s->set_reason(v1::SUPPRESSION_REASON_HARD_BOUNCE);
  s->set_detail("550 5.1.1 user unknown");
  return p;
}

std::string ErrorOf(const v1::CustomerProfile& p) {
  auto converted = ProfileFromProto(p, "profile", TestEpoch(), nullptr);
  EXPECT_EQ(converted.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(converted.status().message());
}

TEST(ProfileFromProto, NormalizesAndStampsTimes) {
  auto p = ProfileFromProto(Valid(), "profile", TestEpoch(), nullptr);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->email, "anna@example.nl");
  EXPECT_EQ(p->phone, "+31612345678");
  EXPECT_EQ(p->locale, "nl-BE");
  EXPECT_EQ(p->preferred_channels,
            (std::vector<core::Channel>{core::Channel::kSms, core::Channel::kEmail}));
  ASSERT_EQ(p->consents.size(), 1u);
  EXPECT_EQ(p->consents[0].update_time, TestEpoch());
  EXPECT_EQ(p->quiet_hours, (core::QuietHours{22 * 60, 7 * 60 + 30}));
  ASSERT_EQ(p->suppressions.size(), 1u);
  EXPECT_EQ(p->suppressions[0].category, std::nullopt);  // every category
  EXPECT_EQ(p->create_time, TestEpoch());
}

TEST(ProfileFromProto, RoundTripsThroughTheApi) {
  auto p = ProfileFromProto(Valid(), "profile", TestEpoch(), nullptr);
  ASSERT_TRUE(p.ok());
  auto again = ProfileFromProto(ProfileToProto(*p), "profile", TestEpoch(), &*p);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *p);
}

TEST(ProfileFromProto, NamesTheFieldThatIsWrong) {
  v1::CustomerProfile p = Valid();
  p.set_email("anna");
  EXPECT_THAT(ErrorOf(p), HasSubstr("profile.email: \"anna\" is not an email address"));
  p = Valid();
  p.set_phone("+31 6 123");
  EXPECT_THAT(ErrorOf(p), HasSubstr("profile.phone: "));
  p = Valid();
  p.set_time_zone("Europe/Amsterdan");
  EXPECT_THAT(ErrorOf(p), HasSubstr("profile.time_zone: "));
  p = Valid();
  p.set_locale("dutch");
  EXPECT_THAT(ErrorOf(p), HasSubstr("profile.locale: "));
  p = Valid();
  p.set_customer_id("");
  EXPECT_THAT(ErrorOf(p), HasSubstr("profile.customer_id: must be set"));
  p = Valid();
  p.set_customer_id("has space");
  EXPECT_THAT(ErrorOf(p), HasSubstr("profile.customer_id: "));
  p = Valid();
  p.mutable_consents(0)->clear_channel();
  EXPECT_THAT(ErrorOf(p), HasSubstr("profile.consents[0].channel: must be set"));
  p = Valid();
  *p.add_consents() = p.consents(0);
  EXPECT_THAT(ErrorOf(p), HasSubstr("profile.consents[1]: a second consent for SURVEY on EMAIL"));
  p = Valid();
  p.add_preferred_channels(v1::CHANNEL_SMS);
  EXPECT_THAT(ErrorOf(p), HasSubstr("profile.preferred_channels[2]: SMS is listed twice"));
  p = Valid();
  p.add_preferred_channels(v1::CHANNEL_UNSPECIFIED);
  EXPECT_THAT(ErrorOf(p), HasSubstr("profile.preferred_channels[2]"));
  p = Valid();
  p.mutable_quiet_hours()->mutable_start()->set_hours(24);
  EXPECT_THAT(ErrorOf(p), HasSubstr("profile.quiet_hours.start.hours: must be 0 to 23"));
  p = Valid();
  p.mutable_suppressions(0)->clear_reason();
  EXPECT_THAT(ErrorOf(p), HasSubstr("profile.suppressions[0].reason: must be set"));
}

TEST(ProfileFromProto, EmptyContactDataIsAllowed) {
  v1::CustomerProfile p;
  p.set_customer_id("only-an-id");
  auto converted = ProfileFromProto(p, "profile", TestEpoch(), nullptr);
  ASSERT_TRUE(converted.ok()) << converted.status();
  EXPECT_EQ(converted->quiet_hours, std::nullopt);
}

TEST(ProfileFromProto, AnUnchangedConsentKeepsItsProof) {
  auto first = ProfileFromProto(Valid(), "profile", TestEpoch(), nullptr);
  ASSERT_TRUE(first.ok());
  const core::Time later = TestEpoch() + std::chrono::hours(24);

  // The same consent sent again without a time keeps its original source and time.
  v1::CustomerProfile resent = Valid();
  auto second = ProfileFromProto(resent, "profile", later, &*first);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->consents[0].update_time, TestEpoch());
  EXPECT_EQ(second->create_time, TestEpoch());
  EXPECT_EQ(second->update_time, later);

  // A withdrawn consent is recorded with the new time and source.
  resent.mutable_consents(0)->set_state(v1::CONSENT_STATE_DENIED);
  resent.mutable_consents(0)->set_source("call-center");
  auto third = ProfileFromProto(resent, "profile", later, &*second);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->consents[0].state, core::ConsentState::kDenied);
  EXPECT_EQ(third->consents[0].source, "call-center");
  EXPECT_EQ(third->consents[0].update_time, later);
}

}  // namespace
}  // namespace herald::api
