#include "services/api/auth/bootstrap.h"

#include "services/core/strings.h"

namespace herald::api::auth {

absl::StatusOr<core::ApiKey> RegisterToken(store::ApiKeyStore& keys, const ApiKeyToken& token,
                                           const std::string& name, core::Role role,
                                           core::Time now) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    absl::StatusOr<core::ApiKey> existing = keys.GetApiKey(token.id);
    if (existing.ok()) {
      if (!SecretMatches(token.secret, existing->secret_sha256)) {
        return absl::FailedPreconditionError(core::StrCat(
            "API key ", token.id, " is stored with another secret; is the token file current?"));
      }
      return existing;
    }
    if (!absl::IsNotFound(existing.status())) return existing.status();
    core::ApiKey key{.id = token.id,
                     .name = name,
                     .role = role,
                     .secret_sha256 = HashSecret(token.secret),
                     .created_by = "heraldd",
                     .create_time = now};
    absl::Status created = keys.CreateApiKey(key);
    if (created.ok()) return key;
    // Another instance registered it first: read it again.
    if (!absl::IsAlreadyExists(created)) return created;
  }
  return absl::AbortedError(core::StrCat("API key ", token.id, " could not be registered"));
}

}  // namespace herald::api::auth
