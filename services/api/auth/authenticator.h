#pragma once

#include <string_view>
#include <variant>

#include "absl/status/statusor.h"
#include "services/api/auth/caller.h"
#include "services/core/clock.h"
#include "services/store/api_key_store.h"

namespace herald::api::auth {

/// Why a credential was refused, as the metric labels it.
enum class Refusal {
  kMissing,     // no credential at all
  kMalformed,   // not "Bearer <token>", or a token of no known shape
  kUnknownKey,  // no such key, or its secret does not match
  kExpired,
  kRevoked,
  kForbidden,  // authenticated, but no role that may call the method
};
std::string_view Name(Refusal refusal);

/// A refused credential: the status to return (UNAUTHENTICATED, or UNAVAILABLE when the
/// store did not answer) and, for UNAUTHENTICATED, why.
struct Refused {
  absl::Status status;
  Refusal reason = Refusal::kMalformed;
};

/// Verifies a caller's credentials: API keys against the store (every call, so a
/// revocation holds at once on every instance).
class Authenticator {
 public:
  Authenticator(store::ApiKeyStore& keys, const core::Clock& clock) : keys_(keys), clock_(clock) {}

  /// The caller, or why not (never echoing a secret).
  std::variant<Caller, Refused> Authenticate(const Credentials& credentials) const;

 private:
  std::variant<Caller, Refused> WithApiKey(std::string_view token) const;

  store::ApiKeyStore& keys_;
  const core::Clock& clock_;
};

}  // namespace herald::api::auth
