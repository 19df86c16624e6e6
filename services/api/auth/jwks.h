#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace herald::api::auth {

/// A public key from a JWKS (RFC 7517), ready for verification.
struct Jwk {
  std::string kid = {};  // may be empty when the set has one key of its kind
  std::string alg;       // the only JWT alg it verifies: "RS256" (kty RSA) or "ES256" (EC P-256)
  std::string pem = {};  // SubjectPublicKeyInfo, PEM
};

/// Parses a JWKS document ({"keys": [...]}). Keys of other kinds (symmetric, other
/// curves, encryption-only "use": "enc") are skipped; a set without one usable key, or a
/// key that does not parse, is INVALID_ARGUMENT naming it.
absl::StatusOr<std::vector<Jwk>> ParseJwks(std::string_view json);

}  // namespace herald::api::auth
