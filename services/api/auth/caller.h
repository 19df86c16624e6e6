#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "services/core/access.h"

namespace herald::api::auth {

/// What a caller presented with a request.
struct Credentials {
  /// The Authorization header (gRPC metadata "authorization"): "Bearer <token>".
  std::optional<std::string> authorization = {};
  /// The identities of a client certificate that verified (mTLS): its subject
  /// alternative names and common name. Empty without one.
  std::vector<std::string> certificate_identities = {};
};

/// Who is calling, once authenticated.
struct Caller {
  enum class Kind { kApiKey, kJwt, kCertificate };

  Kind kind = Kind::kApiKey;
  std::string id = {};    // the key id, the token's subject, the certificate's identity
  std::string name = {};  // the key's name; empty for the others
  core::RoleSet roles = {};

  /// "api-key:<id>", "jwt:<subject>", "cert:<identity>": how the audit trail and the
  /// logs name the caller.
  std::string Principal() const;
  /// "api-key:<id> (<name>)" when the key has a name.
  std::string Describe() const;
  /// Whether contact data (email addresses, phone numbers, names) is shown to this
  /// caller unmasked: every role but viewer needs it for its work.
  bool SeesContactData() const;
};

/// Why a credential was refused, as the metric labels it.
enum class Refusal {
  kMissing,        // no credential at all
  kMalformed,      // not "Bearer <token>", or a token of no known shape
  kUnknownKey,     // no such key, or its secret does not match; no such key in the JWKS
  kBadSignature,   // a JWT whose signature does not verify
  kInvalidClaims,  // a JWT for another issuer or audience, not yet valid, or without subject
  kExpired,
  kRevoked,
  kForbidden,  // authenticated, but no role that may call the method
};
std::string_view Name(Refusal refusal);

/// A refused credential: the status to return (UNAUTHENTICATED, or UNAVAILABLE when the
/// store did not answer) and, for UNAUTHENTICATED, why.
struct Refused {
  absl::Status status = {};
  Refusal reason = Refusal::kMalformed;
};

}  // namespace herald::api::auth
