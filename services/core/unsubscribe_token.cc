#include "services/core/unsubscribe_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "services/core/base64url.h"
#include "services/core/strings.h"

namespace herald::core {
namespace {

constexpr std::string_view kVersion = "u1";

std::string Mac(const std::string& key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &n);
  return std::string(reinterpret_cast<char*>(out), n);
}

}  // namespace

std::string UnsubscribeTokens::Issue(const UnsubscribeClaim& claim) const {
  const std::string payload = StrCat(kVersion, "\n", claim.customer_id, "\n", Name(claim.category),
                                     "\n", Name(claim.channel));
  return StrCat(EncodeBase64Url(payload), ".", EncodeBase64Url(Mac(key_, payload)));
}

absl::StatusOr<UnsubscribeClaim> UnsubscribeTokens::Read(std::string_view token) const {
  const size_t dot = token.find('.');
  if (dot == std::string_view::npos) {
    return absl::InvalidArgumentError("not an unsubscribe token (PAYLOAD.SIGNATURE)");
  }
  std::optional<std::string> payload = DecodeBase64Url(token.substr(0, dot));
  std::optional<std::string> mac = DecodeBase64Url(token.substr(dot + 1));
  if (!payload || !mac) return absl::InvalidArgumentError("not an unsubscribe token (base64url)");
  const std::string expected = Mac(key_, *payload);
  if (mac->size() != expected.size() ||
      CRYPTO_memcmp(mac->data(), expected.data(), expected.size()) != 0) {
    return absl::PermissionDeniedError("the unsubscribe token's signature does not match");
  }
  // Signed by us, so well formed; checked anyway.
  std::vector<std::string_view> parts;
  std::string_view rest = *payload;
  for (size_t cut; (cut = rest.find('\n')) != std::string_view::npos; rest = rest.substr(cut + 1)) {
    parts.push_back(rest.substr(0, cut));
  }
  parts.push_back(rest);
  std::optional<Category> category = parts.size() == 4 ? ParseCategory(parts[2]) : std::nullopt;
  std::optional<Channel> channel = parts.size() == 4 ? ParseChannel(parts[3]) : std::nullopt;
  if (parts.size() != 4 || parts[0] != kVersion || !category || !channel) {
    return absl::InvalidArgumentError("an unsubscribe token of an unknown version");
  }
  return UnsubscribeClaim{
      .customer_id = std::string(parts[1]), .category = *category, .channel = *channel};
}

}  // namespace herald::core
