#include "services/api/auth/api_key_token.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

namespace herald::api::auth {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ApiKeyTokenTest, ANewTokenParsesBackAndEveryTokenIsDifferent) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    absl::StatusOr<ApiKeyToken> token = NewApiKeyToken();
    ASSERT_TRUE(token.ok());
    const std::string text = token->ToString();
    EXPECT_EQ(text.size(), 3u + 16 + 1 + 52) << text;
    absl::StatusOr<ApiKeyToken> parsed = ParseApiKeyToken(text);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(parsed->id, token->id);
    EXPECT_EQ(parsed->secret, token->secret);
    EXPECT_TRUE(seen.insert(token->id).second);
    EXPECT_TRUE(seen.insert(token->secret).second);
  }
}

TEST(ApiKeyTokenTest, AMalformedTokenIsRefusedSayingWhatIsWrongWithoutEchoingTheSecret) {
  const std::string secret(52, 'q');
  EXPECT_THAT(ParseApiKeyToken("xk_aaaaaaaaaaaaaaaa_" + secret).status().message(),
              HasSubstr("starts with \"hk_\""));
  EXPECT_THAT(ParseApiKeyToken("hk_aaaaaaaaaaaaaaaa" + secret).status().message(),
              HasSubstr("second \"_\" is missing"));
  EXPECT_THAT(ParseApiKeyToken("hk_AAAAAAAAAAAAAAAA_" + secret).status().message(),
              HasSubstr("id is 16 characters"));
  const std::string short_secret = "hk_aaaaaaaaaaaaaaaa_" + secret.substr(1);
  absl::Status cut = ParseApiKeyToken(short_secret).status();
  EXPECT_THAT(cut.message(), HasSubstr("API key aaaaaaaaaaaaaaaa: its secret is not 52"));
  EXPECT_THAT(cut.message(), Not(HasSubstr(secret.substr(1))));
  EXPECT_FALSE(ParseApiKeyToken("hk_aaaaaaaaaaaaaaaa_" + secret + "_").ok());
  EXPECT_FALSE(ParseApiKeyToken("").ok());
}

TEST(ApiKeyTokenTest, OnlyTheRightSecretMatchesItsHash) {
  const std::string hash = HashSecret("correct horse");
  EXPECT_EQ(hash.size(), 64u);
  EXPECT_EQ(HashSecret(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_TRUE(SecretMatches("correct horse", hash));
  EXPECT_FALSE(SecretMatches("correct horsf", hash));
  EXPECT_FALSE(SecretMatches("correct horse", hash.substr(1)));
}

}  // namespace
}  // namespace herald::api::auth
