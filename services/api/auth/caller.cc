#include "services/api/auth/caller.h"

#include "services/core/strings.h"

namespace herald::api::auth {

std::string Caller::Principal() const {
  switch (kind) {
    case Kind::kApiKey:
      return core::StrCat("api-key:", id);
    case Kind::kJwt:
      return core::StrCat("jwt:", id);
    case Kind::kCertificate:
      return core::StrCat("cert:", id);
  }
  return id;
}

std::string Caller::Describe() const {
  return name.empty() ? Principal() : core::StrCat(Principal(), " (", name, ")");
}

bool Caller::SeesContactData() const {
  return roles.Intersects({core::Role::kProducer, core::Role::kEditor, core::Role::kOperator,
                           core::Role::kPrivacy, core::Role::kAdmin});
}

std::string_view Name(Refusal refusal) {
  switch (refusal) {
    case Refusal::kMissing:
      return "missing";
    case Refusal::kMalformed:
      return "malformed";
    case Refusal::kUnknownKey:
      return "unknown_key";
    case Refusal::kBadSignature:
      return "bad_signature";
    case Refusal::kInvalidClaims:
      return "invalid_claims";
    case Refusal::kExpired:
      return "expired";
    case Refusal::kRevoked:
      return "revoked";
    case Refusal::kForbidden:
      return "forbidden";
  }
  return "unknown";
}

}  // namespace herald::api::auth
