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

}  // namespace herald::api::auth
