#include "services/core/preference_token.h"

#include <gtest/gtest.h>

#include "services/core/base64url.h"
#include "services/core/unsubscribe_token.h"

namespace herald::core {
namespace {

constexpr char kKey[] = "a-key-of-sixteen-or-more";

Time At(int64_t seconds) { return Time(std::chrono::seconds(seconds)); }

TEST(PreferenceTokensTest, ATokenReadsBackUntilItExpires) {
  PreferenceTokens tokens(kKey);
  const PreferenceClaim claim{.customer_id = "anna.de vries\n2", .expire_time = At(2'000'000)};
  const std::string token = tokens.Issue(claim);
  absl::StatusOr<PreferenceClaim> read = tokens.Read(token, At(1'999'999));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, claim) << "any customer id reads back, newlines included";

  absl::Status expired = tokens.Read(token, At(2'000'000)).status();
  EXPECT_TRUE(absl::IsDeadlineExceeded(expired)) << expired;
  EXPECT_EQ(expired.message(), "this link expired at 1970-01-24T03:33:20Z");
}

TEST(PreferenceTokensTest, ForgedChangedAndOtherTokensAreRefused) {
  PreferenceTokens tokens(kKey);
  const std::string token = tokens.Issue({.customer_id = "anna", .expire_time = At(2'000'000)});
  EXPECT_TRUE(absl::IsPermissionDenied(
      PreferenceTokens("another-key-entirely").Read(token, At(0)).status()));
  // A later expiry (or another customer) under this token's signature.
  const std::string longer =
      EncodeBase64Url("p1\n9000000000\nanna") + token.substr(token.find('.'));
  EXPECT_TRUE(absl::IsPermissionDenied(tokens.Read(longer, At(0)).status()));
  // An unsubscribe link's token, signed with the same key, opens no preference page.
  const std::string unsubscribe = UnsubscribeTokens(kKey).Issue(
      {.customer_id = "anna", .category = Category::kSurvey, .channel = Channel::kEmail});
  absl::Status other = tokens.Read(unsubscribe, At(0)).status();
  EXPECT_TRUE(absl::IsInvalidArgument(other)) << other;
  EXPECT_TRUE(absl::IsInvalidArgument(tokens.Read("no-dot", At(0)).status()));
}

}  // namespace
}  // namespace herald::core
