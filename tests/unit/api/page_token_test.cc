#include "services/api/page_token.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace herald::api {
namespace {

TEST(PageToken, RoundTripsTheKeyForItsListing) {
  std::string token = EncodePageToken("profiles", "cust-0042");
  EXPECT_EQ(*DecodePageToken("profiles", token), "cust-0042");
  EXPECT_EQ(*DecodePageToken("profiles", ""), "");
}

TEST(PageToken, RejectsTokensOfOtherListingsAndGarbage) {
  std::string token = EncodePageToken("profiles", "cust-0042");
  absl::StatusOr<std::string> other = DecodePageToken("templates", token);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(other.status().message()), ::testing::HasSubstr("page_token"));
  EXPECT_FALSE(DecodePageToken("profiles", "!!not base64!!").ok());
  EXPECT_FALSE(DecodePageToken("profiles", "Y3VzdC0wMDQy").ok());  // base64 of a bare key
}

TEST(PageSize, DefaultsClampsAndRejectsNegative) {
  EXPECT_EQ(*EffectivePageSize(0), 50);
  EXPECT_EQ(*EffectivePageSize(7), 7);
  EXPECT_EQ(*EffectivePageSize(5000), 1000);
  EXPECT_EQ(EffectivePageSize(-1).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace herald::api
