// An erased customer's profile: only what keeps them uncontacted stays, and their data
// comes back only with new contact data and consent from the profiles topic.
#include "services/core/erasure.h"

#include <gmock/gmock.h>

#include "services/api/customer_erasure.h"
#include "services/api/profile_updates.h"
#include "services/core/masking.h"
#include "tests/unit/api/service_fixture.h"

namespace herald::api {
namespace {

using ::testing::HasSubstr;

class ErasureTest : public ServiceFixture {
 protected:
  void SetUp() override {
    ServiceFixture::SetUp();
    v1::CreateProfileRequest request;
    v1::CustomerProfile* p = request.mutable_profile();
    p->set_customer_id("anna");
    p->set_display_name("Anna de Vries");
    p->set_email("anna@example.nl");
    p->set_phone("+31612345678");
    p->set_locale("nl");
    p->set_time_zone("Europe/Amsterdam");
    p->add_preferred_channels(v1::CHANNEL_EMAIL);
    v1::Consent* consent = p->add_consents();
    consent->set_category(v1::CATEGORY_INFORMATIONAL);
    consent->set_channel(v1::CHANNEL_EMAIL);
    consent->set_state(v1::CONSENT_STATE_GRANTED);
    consent->set_source("signed by Anna de Vries");
    v1::CreateProfileResponse response;
    ASSERT_TRUE(profile_stub_->CreateProfile(Context().get(), request, &response).ok());
  }

  // A change from the profiles topic at offset `offset`.
  absl::StatusOr<bool> FromTopic(const std::string& email, bool with_consent, int64_t offset) {
    v1::UpdateProfileRequest request;
    request.mutable_profile()->set_customer_id("anna");
    request.mutable_profile()->set_email(email);
    request.mutable_update_mask()->add_paths("email");
    if (with_consent) {
      v1::Consent* consent = request.mutable_profile()->add_consents();
      consent->set_category(v1::CATEGORY_ORDER_UPDATE);
      consent->set_channel(v1::CHANNEL_EMAIL);
      consent->set_state(v1::CONSENT_STATE_GRANTED);
      consent->set_source("app");
      request.mutable_update_mask()->add_paths("consents");
    }
    return ApplyProfileUpdateFromTopic(*store_, clock_.Now(), request, {0, offset});
  }
};

TEST_F(ErasureTest, WhatStaysOfTheProfileIsAnonymous) {
  absl::StatusOr<ErasureReport> report = EraseCustomer(*store_, "anna", clock_.Now());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->already_erased);
  EXPECT_EQ(report->erase_time, clock_.Now());
  absl::StatusOr<core::Profile> p = store_->GetProfile("anna");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->display_name, "");
  EXPECT_EQ(p->email, "");
  EXPECT_EQ(p->phone, "");
  EXPECT_EQ(p->locale, "");
  EXPECT_EQ(p->time_zone, "");
  ASSERT_EQ(p->consents.size(), 1u);  // the answer stays, as proof it was honoured
  EXPECT_EQ(p->consents[0].state, core::ConsentState::kGranted);
  EXPECT_EQ(p->consents[0].source, "erased");
  EXPECT_EQ(core::ErasedAt(*p), clock_.Now());

  clock_.Advance(std::chrono::hours(1));
  report = EraseCustomer(*store_, "anna", clock_.Now());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->already_erased);
  EXPECT_EQ(report->erase_time, clock_.Now() - std::chrono::hours(1));
}

TEST_F(ErasureTest, TheProfilesTopicBringsThemBackOnlyWithContactDataAndANewConsent) {
  ASSERT_TRUE(EraseCustomer(*store_, "anna", clock_.Now()).ok());
  clock_.Advance(std::chrono::hours(24));
  absl::StatusOr<bool> refused = FromTopic("anna@example.nl", /*with_consent=*/false, 1);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("erased"));
  EXPECT_EQ(store_->GetProfile("anna")->email, "");

  absl::StatusOr<bool> back = FromTopic("anna@example.nl", /*with_consent=*/true, 2);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(*back);
  absl::StatusOr<core::Profile> p = store_->GetProfile("anna");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->email, "anna@example.nl");
  EXPECT_FALSE(core::ErasedAt(*p).has_value());
}

TEST_F(ErasureTest, DeletingAnErasedProfileKeepsItsMarker) {
  ASSERT_TRUE(EraseCustomer(*store_, "anna", clock_.Now()).ok());
  v1::DeleteProfileRequest request;
  request.set_customer_id("anna");
  v1::DeleteProfileResponse response;
  ASSERT_TRUE(profile_stub_->DeleteProfile(Context().get(), request, &response).ok());
  ASSERT_TRUE(ApplyProfileDeletionFromTopic(*store_, "anna", {0, 5}).ok());
  absl::StatusOr<core::Profile> p = store_->GetProfile("anna");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(core::ErasedAt(*p).has_value());
}

TEST_F(ErasureTest, ACustomerNotKnownYetIsErasedForLaterEvents) {
  absl::StatusOr<ErasureReport> report = EraseCustomer(*store_, "zoe", clock_.Now());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->purged, 0);
  absl::StatusOr<core::Profile> p = store_->GetProfile("zoe");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(core::ErasedAt(*p).has_value());
  // Nobody may mark a customer erased by hand.
  v1::CreateProfileRequest request;
  request.mutable_profile()->set_customer_id("yara");
  v1::Suppression* s = request.mutable_profile()->add_suppressions();
  s->set_reason(v1::SUPPRESSION_REASON_ERASED);
  v1::CreateProfileResponse response;
  grpc::Status status = profile_stub_->CreateProfile(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("ERASED"));
}

TEST(ErasureTerms, AreTheContactDataAndTheNameWithItsLongerWords) {
  core::Profile p;
  p.display_name = "Anna de Vries";
  p.email = "anna@example.nl";
  p.phone = "+31612345678";
  EXPECT_THAT(core::ErasureTerms(p),
              ::testing::UnorderedElementsAre("anna@example.nl", "+31612345678", "Anna de Vries",
                                              "Anna", "Vries"));
  EXPECT_EQ(
      core::EraseTerms("consent by ANNA de vries, reply to x.y@bank.nl", core::ErasureTerms(p)),
      "consent by [erased], reply to x***@bank.nl");
}

}  // namespace
}  // namespace herald::api
