#include "services/core/signed_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "services/core/base64url.h"
#include "services/core/strings.h"

namespace herald::core {
namespace {

std::string Mac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &n);
  return std::string(reinterpret_cast<char*>(out), n);
}

}  // namespace

std::string SignToken(std::string_view key, std::string_view payload) {
  return StrCat(EncodeBase64Url(payload), ".", EncodeBase64Url(Mac(key, payload)));
}

absl::StatusOr<std::string> VerifyToken(std::string_view key, std::string_view token,
                                        std::string_view what) {
  const size_t dot = token.find('.');
  if (dot == std::string_view::npos) {
    return absl::InvalidArgumentError(StrCat("not ", what, " (PAYLOAD.SIGNATURE)"));
  }
  std::optional<std::string> payload = DecodeBase64Url(token.substr(0, dot));
  std::optional<std::string> mac = DecodeBase64Url(token.substr(dot + 1));
  if (!payload || !mac) return absl::InvalidArgumentError(StrCat("not ", what, " (base64url)"));
  const std::string expected = Mac(key, *payload);
  if (mac->size() != expected.size() ||
      CRYPTO_memcmp(mac->data(), expected.data(), expected.size()) != 0) {
    return absl::PermissionDeniedError(StrCat("the signature of ", what, " does not match"));
  }
  return *std::move(payload);
}

}  // namespace herald::core
