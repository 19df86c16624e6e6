#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/core/access.h"
#include "services/core/clock.h"
#include "services/store/page.h"

namespace herald::store {

/// The API keys callers authenticate with (table `api_keys`), shared by every instance
/// on one store. A key is never deleted: revoking it keeps its row, so its id stays
/// taken and the audit trail can still name it.
class ApiKeyStore {
 public:
  virtual ~ApiKeyStore() = default;

  /// ALREADY_EXISTS when the id is taken.
  virtual absl::Status CreateApiKey(const core::ApiKey& key) = 0;
  /// NOT_FOUND when there is none.
  virtual absl::StatusOr<core::ApiKey> GetApiKey(std::string_view id) = 0;
  /// In id order, after `after` ("" for the first page).
  virtual absl::StatusOr<Page<core::ApiKey>> ListApiKeys(std::string_view after, int limit) = 0;
  /// Revokes the key at `at` unless it already was (then its first revocation stays);
  /// returns it as stored. NOT_FOUND when there is none.
  virtual absl::StatusOr<core::ApiKey> RevokeApiKey(std::string_view id, core::Time at) = 0;
};

}  // namespace herald::store
