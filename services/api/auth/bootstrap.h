#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "services/api/auth/api_key_token.h"
#include "services/core/access.h"
#include "services/store/api_key_store.h"

namespace herald::api::auth {

/// Makes a token an operator holds (e.g. in a mounted file) a key of `role`: creates
/// the key when the store has none with its id, and leaves it as it is when it has
/// (revoked stays revoked). FAILED_PRECONDITION when the id is taken by another secret.
absl::StatusOr<core::ApiKey> RegisterToken(store::ApiKeyStore& keys, const ApiKeyToken& token,
                                           const std::string& name, core::Role role,
                                           core::Time now);

}  // namespace herald::api::auth
