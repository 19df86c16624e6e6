#include "services/core/unsubscribe_token.h"

#include <gtest/gtest.h>

#include "services/core/base64url.h"

namespace herald::core {
namespace {

TEST(UnsubscribeTokensTest, ATokenReadsBackAndOnlyWithItsKey) {
  UnsubscribeTokens tokens("a-key-of-sixteen-or-more");
  const UnsubscribeClaim claim{
      .customer_id = "anna", .category = Category::kSurvey, .channel = Channel::kEmail};
  const std::string token = tokens.Issue(claim);
  EXPECT_EQ(token.find("anna"), std::string::npos) << "not readable at a glance";
  absl::StatusOr<UnsubscribeClaim> read = tokens.Read(token);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, claim);

  EXPECT_TRUE(
      absl::IsPermissionDenied(UnsubscribeTokens("another-key-entirely").Read(token).status()));
  // Another customer's claim with this token's signature.
  const std::string other =
      EncodeBase64Url("u1\nbert\nSURVEY\nEMAIL") + token.substr(token.find('.'));
  EXPECT_TRUE(absl::IsPermissionDenied(tokens.Read(other).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(tokens.Read("no-dot").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(tokens.Read("a+b.c").status()));
}

}  // namespace
}  // namespace herald::core
