#include "services/api/auth/jwt_verifier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/core/base64url.h"
#include "tests/support/fake_clock.h"
#include "tests/support/test_issuer.h"

namespace herald::api::auth {
namespace {

using core::DecodeBase64Url;
using core::EncodeBase64Url;
using herald::testing::TestIssuer;
using ::testing::HasSubstr;

constexpr int64_t kNow = 1'800'000'000;  // seconds since the epoch

core::Time Now() { return core::Time(std::chrono::seconds(kNow)); }

std::string Claims(const std::string& extra = "", int64_t exp = kNow + 300) {
  return R"({"iss": "https://login.bank.example/", "aud": ["herald", "crm"], "sub": "jan@bank",)"
         R"( "herald_roles": ["operator", "unknown-role"], "exp": )" +
         std::to_string(exp) + extra + "}";
}

class JwtVerifierTest : public ::testing::TestWithParam<TestIssuer::Kind> {
 protected:
  JwtVerifier Verifier(const std::string& jwks) {
    auto keys = ParseJwks(jwks);
    EXPECT_TRUE(keys.ok()) << keys.status();
    return JwtVerifier({.issuer = "https://login.bank.example/", .audience = "herald"},
                       keys.ok() ? *keys : std::vector<Jwk>{});
  }

  // The refusal's reason and message; fails the test when the token was accepted.
  static std::pair<Refusal, std::string> RefusalOf(const std::variant<Caller, Refused>& result) {
    const Refused* refused = std::get_if<Refused>(&result);
    EXPECT_NE(refused, nullptr) << "accepted";
    if (refused == nullptr) return {Refusal::kMissing, ""};
    EXPECT_EQ(refused->status.code(), absl::StatusCode::kUnauthenticated);
    return {refused->reason, std::string(refused->status.message())};
  }

  TestIssuer issuer_{GetParam(), "key-1"};
};

TEST_P(JwtVerifierTest, AValidTokenNamesItsSubjectAndTheRolesHeraldKnows) {
  JwtVerifier verifier = Verifier(issuer_.Jwks());
  auto result = verifier.Verify(issuer_.Sign(Claims()), Now());
  const Caller* caller = std::get_if<Caller>(&result);
  ASSERT_NE(caller, nullptr) << std::get<Refused>(result).status;
  EXPECT_EQ(caller->Principal(), "jwt:jan@bank");
  EXPECT_EQ(caller->roles.ToString(), "operator");
  // Roles as one string, as a "scope" claim has them.
  result = verifier.Verify(
      issuer_.Sign(R"({"iss": "https://login.bank.example/", "aud": "herald", "sub": "x",)"
                   R"( "herald_roles": "viewer privacy", "exp": )" +
                   std::to_string(kNow + 60) + "}"),
      Now());
  ASSERT_TRUE(std::holds_alternative<Caller>(result));
  EXPECT_EQ(std::get<Caller>(result).roles.ToString(), "viewer,privacy");
}

TEST_P(JwtVerifierTest, WrongIssuerAudienceExpiryOrSubjectIsRefusedSayingWhich) {
  JwtVerifier verifier = Verifier(issuer_.Jwks());
  auto [reason, message] = RefusalOf(verifier.Verify(
      issuer_.Sign(R"({"iss": "https://evil.example/", "aud": "herald", "sub": "x", "exp": )" +
                   std::to_string(kNow + 60) + "}"),
      Now()));
  EXPECT_EQ(reason, Refusal::kInvalidClaims);
  EXPECT_THAT(message, HasSubstr("issuer \"https://evil.example/\" is not"));
  std::tie(reason, message) = RefusalOf(verifier.Verify(
      issuer_.Sign(R"({"iss": "https://login.bank.example/", "aud": "crm", "sub": "x", "exp": )" +
                   std::to_string(kNow + 60) + "}"),
      Now()));
  EXPECT_THAT(message, HasSubstr("not for audience \"herald\""));
  std::tie(reason, message) =
      RefusalOf(verifier.Verify(issuer_.Sign(Claims("", kNow - 61)), Now()));
  EXPECT_EQ(reason, Refusal::kExpired);
  EXPECT_THAT(message, HasSubstr("expired at"));
  // Within the leeway (60s) it is still good.
  EXPECT_TRUE(
      std::holds_alternative<Caller>(verifier.Verify(issuer_.Sign(Claims("", kNow - 30)), Now())));
  std::tie(reason, message) = RefusalOf(verifier.Verify(
      issuer_.Sign(R"({"iss": "https://login.bank.example/", "aud": "herald", "sub": "x"})"),
      Now()));
  EXPECT_THAT(message, HasSubstr("no expiry (exp)"));
  std::tie(reason, message) = RefusalOf(verifier.Verify(
      issuer_.Sign(R"({"iss": "https://login.bank.example/", "aud": "herald", "sub": "x",)"
                   R"( "exp": 1e308})"),
      Now()));
  EXPECT_THAT(message, HasSubstr("no expiry (exp) that is a date"));
  std::tie(reason, message) = RefusalOf(
      verifier.Verify(issuer_.Sign(Claims(", \"nbf\": " + std::to_string(kNow + 3600))), Now()));
  EXPECT_THAT(message, HasSubstr("not valid before"));
}

TEST_P(JwtVerifierTest, ATokenSignedByAnotherKeyOrChangedAfterSigningIsRefused) {
  JwtVerifier verifier = Verifier(issuer_.Jwks());
  TestIssuer impostor(GetParam(), "key-1");  // same kid, other key
  auto [reason, message] = RefusalOf(verifier.Verify(impostor.Sign(Claims()), Now()));
  EXPECT_EQ(reason, Refusal::kBadSignature);
  EXPECT_THAT(message, HasSubstr("signature does not verify"));

  // The claims changed after signing (another subject), the signature kept.
  const std::string token = issuer_.Sign(Claims());
  const size_t first = token.find('.');
  const size_t second = token.find('.', first + 1);
  std::string claims = *DecodeBase64Url(token.substr(first + 1, second - first - 1));
  claims.replace(claims.find("jan@bank"), 8, "ceo@bank");
  const std::string forged =
      token.substr(0, first + 1) + EncodeBase64Url(claims) + token.substr(second);
  std::tie(reason, message) = RefusalOf(verifier.Verify(forged, Now()));
  EXPECT_EQ(reason, Refusal::kBadSignature);

  TestIssuer other(GetParam(), "key-2");
  std::tie(reason, message) = RefusalOf(verifier.Verify(other.Sign(Claims()), Now()));
  EXPECT_EQ(reason, Refusal::kUnknownKey);
  EXPECT_THAT(message, HasSubstr("no "));
  EXPECT_THAT(message, HasSubstr("key \"key-2\""));
}

TEST_P(JwtVerifierTest, OnlyRs256AndEs256AreAccepted) {
  JwtVerifier verifier = Verifier(issuer_.Jwks());
  // "none", and HS256 keyed with the public key (the classic confusion), are refused
  // before any signature check.
  for (const char* alg : {"none", "HS256", "RS512"}) {
    const std::string header =
        EncodeBase64Url(std::string(R"({"alg": ")") + alg + R"(", "kid": "key-1", "typ": "JWT"})");
    const std::string token = header + "." + EncodeBase64Url(Claims()) + ".c2ln";
    auto [reason, message] = RefusalOf(verifier.Verify(token, Now()));
    EXPECT_EQ(reason, Refusal::kMalformed) << alg;
    EXPECT_THAT(message, HasSubstr("RS256 or ES256 only")) << alg;
  }
  for (const char* junk : {"a.b", "..", "a..c", "not base64!.x.y", "e30.e30.e30"}) {
    EXPECT_FALSE(std::holds_alternative<Caller>(verifier.Verify(junk, Now()))) << junk;
  }
}

TEST_P(JwtVerifierTest, NewKeysApplyToTheNextToken) {
  JwtVerifier verifier = Verifier(issuer_.Jwks());
  TestIssuer next(GetParam(), "key-2");
  EXPECT_FALSE(std::holds_alternative<Caller>(verifier.Verify(next.Sign(Claims()), Now())));
  auto keys = ParseJwks(R"({"keys": [)" + issuer_.Jwk() + "," + next.Jwk() + "]}");
  ASSERT_TRUE(keys.ok()) << keys.status();
  verifier.SetKeys(*keys);
  EXPECT_TRUE(std::holds_alternative<Caller>(verifier.Verify(next.Sign(Claims()), Now())));
  EXPECT_TRUE(std::holds_alternative<Caller>(verifier.Verify(issuer_.Sign(Claims()), Now())));
}

INSTANTIATE_TEST_SUITE_P(Algorithms, JwtVerifierTest,
                         ::testing::Values(TestIssuer::Kind::kRs256, TestIssuer::Kind::kEs256),
                         [](const ::testing::TestParamInfo<TestIssuer::Kind>& algorithm) {
                           return algorithm.param == TestIssuer::Kind::kRs256 ? "RS256" : "ES256";
                         });

TEST(JwksTest, KeysHeraldCannotUseAreSkippedAndABrokenOneIsNamed) {
  EXPECT_THAT(ParseJwks("[]").status().message(), HasSubstr("not a JSON object"));
  EXPECT_THAT(ParseJwks("{}").status().message(), HasSubstr("no \"keys\" array"));
  EXPECT_THAT(ParseJwks(R"({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]})").status().message(),
              HasSubstr("no key Herald can use"));
  EXPECT_THAT(
      ParseJwks(R"({"keys": [{"kty": "EC", "crv": "P-256", "kid": "k", "x": "AQ", "y": "AQ"}]})")
          .status()
          .message(),
      HasSubstr("key \"k\": a P-256 key's x and y are 32 bytes each"));
  EXPECT_THAT(ParseJwks(R"({"keys": [{"kty": "RSA", "kid": "small", "n": "AQAB", "e": "AQAB"}]})")
                  .status()
                  .message(),
              HasSubstr("RSA keys under 2048 bits are refused"));
}

TEST(Base64UrlTest, RoundTripsAndRefusesOtherAlphabets) {
  for (const std::string text : {"", "f", "fo", "foo", "foob", "\xff\xfe\xfd"}) {
    EXPECT_EQ(DecodeBase64Url(EncodeBase64Url(text)), text);
  }
  EXPECT_FALSE(DecodeBase64Url("ab+/").has_value());
  EXPECT_FALSE(DecodeBase64Url("YQ==").has_value());
  EXPECT_FALSE(DecodeBase64Url("a").has_value());
}

}  // namespace
}  // namespace herald::api::auth
