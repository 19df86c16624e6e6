#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace herald::api::auth {

/// An API key's bearer token: "hk_<id>_<secret>". The id is public (it names the key);
/// the secret is 256 random bits that only the caller holds, and heraldd keeps only
/// its SHA-256. Both halves are lowercase base32, so a token survives any header, shell
/// or file unchanged, and the "hk_" prefix lets secret scanners recognise one.
struct ApiKeyToken {
  std::string id = {};
  std::string secret = {};

  std::string ToString() const;
};

/// A new key with fresh random id and secret (OpenSSL's CSPRNG).
absl::StatusOr<ApiKeyToken> NewApiKeyToken();

/// INVALID_ARGUMENT naming what is wrong (never echoing the secret).
absl::StatusOr<ApiKeyToken> ParseApiKeyToken(std::string_view token);

/// Whether `token` looks like an API key rather than another kind of bearer token.
bool IsApiKeyToken(std::string_view token);

/// SHA-256 of a secret, as lowercase hex: what the store keeps.
std::string HashSecret(std::string_view secret);

/// Compares a secret with a stored hash in constant time.
bool SecretMatches(std::string_view secret, std::string_view stored_sha256);

}  // namespace herald::api::auth
