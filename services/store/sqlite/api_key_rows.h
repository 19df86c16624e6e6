#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/core/access.h"
#include "services/store/sqlite/sqlite_db.h"

// API keys (table `api_keys`): only the hash of each secret.
namespace herald::store::sqlite {

absl::StatusOr<std::optional<core::ApiKey>> ReadApiKey(Db& db, std::string_view id);
/// Up to `limit` keys in id order after `after`.
absl::StatusOr<std::vector<core::ApiKey>> SelectApiKeys(Db& db, std::string_view after, int limit);
/// ALREADY_EXISTS when the id is taken.
absl::Status InsertApiKey(Db& db, const core::ApiKey& key);
/// Sets the revocation time of a key not revoked yet.
absl::Status WriteRevocation(Db& db, std::string_view id, core::Time at);

}  // namespace herald::store::sqlite
