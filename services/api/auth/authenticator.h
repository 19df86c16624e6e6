#pragma once

#include <map>
#include <string>
#include <string_view>
#include <variant>

#include "absl/status/statusor.h"
#include "services/api/auth/caller.h"
#include "services/api/auth/jwt_verifier.h"
#include "services/core/clock.h"
#include "services/store/api_key_store.h"

namespace herald::api::auth {

struct AuthenticatorOptions {
  /// Verifies JWTs; null: bearer tokens are API keys only.
  const JwtVerifier* jwt = nullptr;
  /// mTLS: a verified client certificate's identity (a subject alternative name, or the
  /// common name) and the role it gets.
  std::map<std::string, core::Role> certificate_roles = {};
};

/// Verifies a caller's credentials: a bearer token (an API key, checked against the
/// store on every call so a revocation holds at once on every instance; or a JWT), else
/// a client certificate whose identity is mapped to a role.
class Authenticator {
 public:
  using Options = AuthenticatorOptions;

  Authenticator(store::ApiKeyStore& keys, const core::Clock& clock, Options options = {})
      : keys_(keys), clock_(clock), options_(std::move(options)) {}

  /// The caller, or why not (never echoing a secret).
  std::variant<Caller, Refused> Authenticate(const Credentials& credentials) const;

 private:
  std::variant<Caller, Refused> WithApiKey(std::string_view token) const;

  std::variant<Caller, Refused> WithCertificate(const Credentials& credentials) const;

  store::ApiKeyStore& keys_;
  const core::Clock& clock_;
  const Options options_;
};

}  // namespace herald::api::auth
