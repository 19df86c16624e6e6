#include "services/api/auth/api_key_token.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "services/core/audit.h"
#include "services/core/strings.h"

namespace herald::api::auth {
namespace {

constexpr std::string_view kPrefix = "hk_";
constexpr size_t kIdBytes = 10;      // 16 base32 characters
constexpr size_t kSecretBytes = 32;  // 52 base32 characters (256 bits)
constexpr size_t kIdChars = 16;
constexpr size_t kSecretChars = 52;
constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz234567";

// RFC 4648 base32, lowercase, without padding.
std::string Base32(const unsigned char* bytes, size_t n) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (size_t i = 0; i < n; ++i) {
    buffer = (buffer << 8) | bytes[i];
    bits += 8;
    while (bits >= 5) {
      out += kAlphabet[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 31];
  return out;
}

absl::StatusOr<std::string> RandomBase32(size_t bytes) {
  unsigned char buffer[64];
  if (bytes > sizeof buffer || RAND_bytes(buffer, static_cast<int>(bytes)) != 1) {
    return absl::InternalError("the system's random number generator failed");
  }
  return Base32(buffer, bytes);
}

bool IsBase32(std::string_view text) {
  for (char c : text) {
    if (kAlphabet.find(c) == std::string_view::npos) return false;
  }
  return true;
}

}  // namespace

std::string ApiKeyToken::ToString() const { return core::StrCat(kPrefix, id, "_", secret); }

absl::StatusOr<ApiKeyToken> NewApiKeyToken() {
  absl::StatusOr<std::string> id = RandomBase32(kIdBytes);
  if (!id.ok()) return id.status();
  absl::StatusOr<std::string> secret = RandomBase32(kSecretBytes);
  if (!secret.ok()) return secret.status();
  return ApiKeyToken{.id = *std::move(id), .secret = *std::move(secret)};
}

bool IsApiKeyToken(std::string_view token) { return token.substr(0, kPrefix.size()) == kPrefix; }

absl::StatusOr<ApiKeyToken> ParseApiKeyToken(std::string_view token) {
  if (!IsApiKeyToken(token)) {
    return absl::InvalidArgumentError("an API key starts with \"hk_\"");
  }
  std::string_view rest = token.substr(kPrefix.size());
  const size_t cut = rest.find('_');
  if (cut == std::string_view::npos) {
    return absl::InvalidArgumentError(
        "an API key is hk_<id>_<secret>; the second \"_\" is missing");
  }
  const std::string_view id = rest.substr(0, cut);
  const std::string_view secret = rest.substr(cut + 1);
  if (id.size() != kIdChars || !IsBase32(id)) {
    return absl::InvalidArgumentError(
        core::StrCat("an API key's id is ", kIdChars, " characters a-z and 2-7"));
  }
  if (secret.size() != kSecretChars || !IsBase32(secret)) {
    return absl::InvalidArgumentError(core::StrCat("API key ", id, ": its secret is not ",
                                                   kSecretChars, " characters a-z and 2-7 (",
                                                   "was the token cut short or copied wrongly?)"));
  }
  return ApiKeyToken{.id = std::string(id), .secret = std::string(secret)};
}

std::string HashSecret(std::string_view secret) { return core::Sha256Hex(secret); }

bool SecretMatches(std::string_view secret, std::string_view stored_sha256) {
  const std::string hash = HashSecret(secret);
  return hash.size() == stored_sha256.size() &&
         CRYPTO_memcmp(hash.data(), stored_sha256.data(), hash.size()) == 0;
}

}  // namespace herald::api::auth
