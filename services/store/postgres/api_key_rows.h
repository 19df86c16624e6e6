#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/core/access.h"
#include "services/store/postgres/pg_conn.h"

// API keys (table `api_keys`): only the hash of each secret.
namespace herald::store::postgres {

absl::StatusOr<std::optional<core::ApiKey>> ReadApiKey(Conn& conn, std::string_view id);
/// Up to `limit` keys in id order after `after`.
absl::StatusOr<std::vector<core::ApiKey>> SelectApiKeys(Conn& conn, std::string_view after,
                                                        int limit);
/// ALREADY_EXISTS when the id is taken.
absl::Status InsertApiKey(Conn& conn, const core::ApiKey& key);
/// Revokes a key not revoked yet, and returns the key as stored (nullopt: no such key).
absl::StatusOr<std::optional<core::ApiKey>> WriteRevocation(Conn& conn, std::string_view id,
                                                            core::Time at);

}  // namespace herald::store::postgres
