#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "services/core/clock.h"
#include "services/store/api_key_store.h"

namespace herald::heraldd {

/// auth.admin_token_file: reads the admin token from the file, or creates the file
/// (mode 0600) with a new one, and registers its key in the store. Logs the key's id
/// and the file, never the token.
absl::Status EnsureAdminToken(const std::string& path, store::ApiKeyStore& keys, core::Time now);

}  // namespace herald::heraldd
