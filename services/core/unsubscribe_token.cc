#include "services/core/unsubscribe_token.h"

#include <vector>

#include "services/core/signed_token.h"
#include "services/core/strings.h"

namespace herald::core {
namespace {

constexpr std::string_view kVersion = "u1";

}  // namespace

std::string UnsubscribeTokens::Issue(const UnsubscribeClaim& claim) const {
  return SignToken(key_, StrCat(kVersion, "\n", claim.customer_id, "\n", Name(claim.category), "\n",
                                Name(claim.channel)));
}

absl::StatusOr<UnsubscribeClaim> UnsubscribeTokens::Read(std::string_view token) const {
  absl::StatusOr<std::string> payload = VerifyToken(key_, token, "an unsubscribe token");
  if (!payload.ok()) return payload.status();
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
