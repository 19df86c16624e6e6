#pragma once

#include <optional>
#include <string>
#include <vector>

#include "services/core/access.h"

namespace herald::api::auth {

/// What a caller presented with a request.
struct Credentials {
  /// The Authorization header (gRPC metadata "authorization"): "Bearer <token>".
  std::optional<std::string> authorization;
};

/// Who is calling, once authenticated.
struct Caller {
  enum class Kind { kApiKey, kJwt, kCertificate };

  Kind kind = Kind::kApiKey;
  std::string id;    // the key id, the token's subject, the certificate's identity
  std::string name;  // the key's name; empty for the others
  core::RoleSet roles;

  /// "api-key:<id>", "jwt:<subject>", "cert:<identity>": how the audit trail and the
  /// logs name the caller.
  std::string Principal() const;
  /// "api-key:<id> (<name>)" when the key has a name.
  std::string Describe() const;
  /// Whether contact data (email addresses, phone numbers, names) is shown to this
  /// caller unmasked: every role but viewer needs it for its work.
  bool SeesContactData() const;
};

}  // namespace herald::api::auth
