#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>

#include "tests/unit/api/service_fixture.h"

namespace herald::api {
namespace {

using ::testing::HasSubstr;

class ProfileServiceTest : public ServiceFixture {
 protected:
  grpc::Status Create(const v1::CustomerProfile& profile, v1::CustomerProfile* out = nullptr) {
    v1::CreateProfileRequest request;
    *request.mutable_profile() = profile;
    v1::CreateProfileResponse response;
    grpc::Status status = profile_stub_->CreateProfile(Context().get(), request, &response);
    if (out != nullptr) *out = response.profile();
    return status;
  }

  grpc::Status Get(const std::string& id, v1::CustomerProfile* out) {
    v1::GetProfileRequest request;
    request.set_customer_id(id);
    v1::GetProfileResponse response;
    grpc::Status status = profile_stub_->GetProfile(Context().get(), request, &response);
    *out = response.profile();
    return status;
  }

  static v1::CustomerProfile Anna() {
    v1::CustomerProfile p;
    p.set_customer_id("anna");
    p.set_display_name("Anna");
    p.set_email("anna@example.nl");
    p.set_phone("+31612345678");
    p.set_locale("nl");
    p.set_time_zone("Europe/Amsterdam");
    p.add_preferred_channels(v1::CHANNEL_EMAIL);
    return p;
  }
};

TEST_F(ProfileServiceTest, CreateThenGetReturnsTheStoredProfile) {
  v1::CustomerProfile created;
  ASSERT_TRUE(Create(Anna(), &created).ok());
  EXPECT_EQ(created.create_time().seconds(), std::chrono::duration_cast<std::chrono::seconds>(
                                                 testing::TestEpoch().time_since_epoch())
                                                 .count());
  v1::CustomerProfile fetched;
  ASSERT_TRUE(Get("anna", &fetched).ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(created, fetched));
}

TEST_F(ProfileServiceTest, CreateTwiceIsAlreadyExists) {
  ASSERT_TRUE(Create(Anna()).ok());
  grpc::Status again = Create(Anna());
  EXPECT_EQ(again.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(again.error_message(), HasSubstr("anna"));
}

TEST_F(ProfileServiceTest, InvalidInputIsInvalidArgumentNamingTheField) {
  v1::CustomerProfile p = Anna();
  p.set_email("anna-at-example.nl");
  grpc::Status status = Create(p);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("profile.email"));

  p = Anna();
  p.set_phone("+1555");
  status = Create(p);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("profile.phone"));

  p = Anna();
  p.set_time_zone("Mars/Olympus_Mons");
  status = Create(p);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("profile.time_zone"));

  p = Anna();
  p.set_locale("xx-YY");
  status = Create(p);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("profile.locale"));

  v1::CustomerProfile missing;
  EXPECT_EQ(Create(missing).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::CustomerProfile out;
  EXPECT_EQ(Get("anna", &out).error_code(), grpc::StatusCode::NOT_FOUND);  // nothing was stored
}

TEST_F(ProfileServiceTest, UpdateChangesOnlyTheMaskedFields) {
  ASSERT_TRUE(Create(Anna()).ok());
  clock_.Advance(std::chrono::hours(1));
  v1::UpdateProfileRequest request;
  request.mutable_profile()->set_customer_id("anna");
  request.mutable_profile()->set_email("anna@example.be");
  request.mutable_profile()->set_phone("+32470123456");
  request.mutable_update_mask()->add_paths("email");
  v1::UpdateProfileResponse response;
  ASSERT_TRUE(profile_stub_->UpdateProfile(Context().get(), request, &response).ok());
  EXPECT_EQ(response.profile().email(), "anna@example.be");
  EXPECT_EQ(response.profile().phone(), "+31612345678");
  EXPECT_GT(response.profile().update_time().seconds(), response.profile().create_time().seconds());

  request.mutable_update_mask()->set_paths(0, "phone");
  request.mutable_profile()->set_phone("+3247");
  grpc::Status bad = profile_stub_->UpdateProfile(Context().get(), request, &response);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(bad.error_message(), HasSubstr("profile.phone"));
}

TEST_F(ProfileServiceTest, UpdateOfAMissingProfileIsNotFoundUnlessAllowMissing) {
  v1::UpdateProfileRequest request;
  *request.mutable_profile() = Anna();
  v1::UpdateProfileResponse response;
  EXPECT_EQ(profile_stub_->UpdateProfile(Context().get(), request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
  request.set_allow_missing(true);
  ASSERT_TRUE(profile_stub_->UpdateProfile(Context().get(), request, &response).ok());
  EXPECT_EQ(response.profile().email(), "anna@example.nl");
}

TEST_F(ProfileServiceTest, ListPagesThroughEveryProfileOnce) {
  for (int i = 0; i < 7; ++i) {
    v1::CustomerProfile p;
    p.set_customer_id("c" + std::to_string(i));
    ASSERT_TRUE(Create(p).ok());
  }
  std::vector<std::string> seen;
  v1::ListProfilesRequest request;
  request.set_page_size(3);
  int pages = 0;
  do {
    v1::ListProfilesResponse response;
    ASSERT_TRUE(profile_stub_->ListProfiles(Context().get(), request, &response).ok());
    for (const auto& p : response.profiles()) seen.push_back(p.customer_id());
    request.set_page_token(response.next_page_token());
    ++pages;
  } while (!request.page_token().empty());
  EXPECT_EQ(pages, 3);
  EXPECT_THAT(seen, ::testing::ElementsAre("c0", "c1", "c2", "c3", "c4", "c5", "c6"));

  request.set_page_token("garbage");
  v1::ListProfilesResponse response;
  grpc::Status bad = profile_stub_->ListProfiles(Context().get(), request, &response);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(bad.error_message(), HasSubstr("page_token"));
}

TEST_F(ProfileServiceTest, DeleteRemovesTheProfile) {
  ASSERT_TRUE(Create(Anna()).ok());
  v1::DeleteProfileRequest request;
  request.set_customer_id("anna");
  v1::DeleteProfileResponse response;
  ASSERT_TRUE(profile_stub_->DeleteProfile(Context().get(), request, &response).ok());
  v1::CustomerProfile out;
  EXPECT_EQ(Get("anna", &out).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(profile_stub_->DeleteProfile(Context().get(), request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
  request.set_allow_missing(true);
  EXPECT_TRUE(profile_stub_->DeleteProfile(Context().get(), request, &response).ok());
}

}  // namespace
}  // namespace herald::api
