#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "services/api/auth/caller.h"
#include "services/api/auth/jwks.h"
#include "services/core/clock.h"

namespace herald::api::auth {

/// What a JWT must say to be accepted (an organisation's identity provider issues it).
struct JwtOptions {
  std::string issuer = {};  // "iss" must be exactly this
  std::string audience;     // "aud" (a string, or an array) must hold this
  /// The claim naming the caller's roles: an array of role names, or one string of names
  /// separated by spaces (as "scope" is). Names Herald does not know are ignored.
  std::string roles_claim = "herald_roles";
  /// Clock difference allowed when checking "exp" and "nbf".
  std::chrono::seconds leeway{60};
};

/// Verifies JWTs signed with RS256 or ES256 by a key of a JWKS: the signature (by
/// libjwt, with the key the header's "kid" names), then issuer, audience, expiry ("exp"
/// is required), "nbf" and the subject. No other algorithm is accepted, whatever the
/// token's header says.
class JwtVerifier {
 public:
  JwtVerifier(JwtOptions options, std::vector<Jwk> keys);

  /// Replaces the keys (a JWKS read again); tokens being verified keep the old ones.
  void SetKeys(std::vector<Jwk> keys);
  /// The caller ("jwt:<sub>" with the roles the token names), or why not.
  std::variant<Caller, Refused> Verify(std::string_view token, core::Time now) const;

 private:
  const JwtOptions options_;
  mutable std::mutex mu_;
  std::shared_ptr<const std::vector<Jwk>> keys_;
};

/// Whether a bearer token has a JWT's shape (three dot-separated parts).
bool LooksLikeJwt(std::string_view token);

}  // namespace herald::api::auth
