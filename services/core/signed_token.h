#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace herald::core {

/// A payload and its HMAC-SHA256 under `key`, both base64url: PAYLOAD.SIGNATURE. The
/// links heraldd puts in messages (unsubscribe, preferences) carry their claim this way:
/// unguessable, and readable without a lookup.
std::string SignToken(std::string_view key, std::string_view payload);

/// The payload of a token SignToken made with `key`. INVALID_ARGUMENT for a token of the
/// wrong shape, PERMISSION_DENIED for one whose signature does not match (forged or
/// changed); `what` names the token in the message ("an unsubscribe token").
absl::StatusOr<std::string> VerifyToken(std::string_view key, std::string_view token,
                                        std::string_view what);

}  // namespace herald::core
