#include "services/api/auth/authenticator.h"

#include <strings.h>

#include "services/api/auth/api_key_token.h"
#include "services/core/strings.h"

namespace herald::api::auth {
namespace {

Refused Unauthenticated(Refusal reason, std::string message) {
  return Refused{.status = absl::UnauthenticatedError(std::move(message)), .reason = reason};
}

}  // namespace

std::variant<Caller, Refused> Authenticator::Authenticate(const Credentials& credentials) const {
  if (!credentials.authorization || credentials.authorization->empty()) {
    if (!credentials.certificate_identities.empty()) return WithCertificate(credentials);
    return Unauthenticated(
        Refusal::kMissing,
        options_.jwt != nullptr
            ? "no credentials: send the header \"authorization: Bearer <token>\" with an API "
              "key or a JWT"
            : "no credentials: send the header \"authorization: Bearer <token>\" with an API "
              "key");
  }
  std::string_view header = *credentials.authorization;
  constexpr std::string_view kScheme = "Bearer ";
  if (header.size() <= kScheme.size() ||
      strncasecmp(header.data(), kScheme.data(), kScheme.size()) != 0) {
    return Unauthenticated(Refusal::kMalformed,
                           "the authorization header must be \"Bearer <token>\"");
  }
  std::string_view token = header.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (IsApiKeyToken(token)) return WithApiKey(token);
  if (options_.jwt != nullptr && LooksLikeJwt(token)) {
    return options_.jwt->Verify(token, clock_.Now());
  }
  return Unauthenticated(Refusal::kMalformed,
                         options_.jwt != nullptr
                             ? "the bearer token is neither an API key (hk_<id>_<secret>) nor a JWT"
                             : "the bearer token is not an API key (hk_<id>_<secret>)");
}

std::variant<Caller, Refused> Authenticator::WithCertificate(const Credentials& credentials) const {
  for (const std::string& identity : credentials.certificate_identities) {
    auto mapped = options_.certificate_roles.find(identity);
    if (mapped == options_.certificate_roles.end()) continue;
    return Caller{
        .kind = Caller::Kind::kCertificate, .id = identity, .roles = core::RoleSet{mapped->second}};
  }
  return Unauthenticated(
      Refusal::kUnknownKey,
      core::StrCat("client certificate ", credentials.certificate_identities.front(),
                   " is not given a role (auth.certificates), and no bearer token was sent"));
}

std::variant<Caller, Refused> Authenticator::WithApiKey(std::string_view token) const {
  absl::StatusOr<ApiKeyToken> parsed = ParseApiKeyToken(token);
  if (!parsed.ok()) {
    return Unauthenticated(Refusal::kMalformed, std::string(parsed.status().message()));
  }
  absl::StatusOr<core::ApiKey> key = keys_.GetApiKey(parsed->id);
  if (absl::IsNotFound(key.status()) ||
      (key.ok() && !SecretMatches(parsed->secret, key->secret_sha256))) {
    return Unauthenticated(
        Refusal::kUnknownKey,
        core::StrCat("API key ", parsed->id, " is not known here, or its secret does not match"));
  }
  if (!key.ok()) {
    return Refused{.status = absl::UnavailableError(core::StrCat(
                       "cannot check API key ", parsed->id, ": ", key.status().message())),
                   .reason = Refusal::kUnknownKey};
  }
  const std::string described =
      core::StrCat("API key ", key->id, key->name.empty() ? "" : " (" + key->name + ")");
  if (key->revoke_time) {
    return Unauthenticated(Refusal::kRevoked, core::StrCat(described, " was revoked at ",
                                                           core::FormatTime(*key->revoke_time)));
  }
  if (key->expire_time && *key->expire_time <= clock_.Now()) {
    return Unauthenticated(Refusal::kExpired, core::StrCat(described, " expired at ",
                                                           core::FormatTime(*key->expire_time)));
  }
  return Caller{.kind = Caller::Kind::kApiKey,
                .id = key->id,
                .name = key->name,
                .roles = core::RoleSet{key->role}};
}

}  // namespace herald::api::auth
