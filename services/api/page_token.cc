#include "services/api/page_token.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "services/api/status.h"
#include "services/core/strings.h"

namespace herald::api {
namespace {

constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 1000;

std::string Prefix(std::string_view listing) { return core::StrCat("herald.v1:", listing, ":"); }

}  // namespace

absl::StatusOr<int> EffectivePageSize(int requested) {
  if (requested < 0) return FieldError("page_size", "must not be negative");
  if (requested == 0) return kDefaultPageSize;
  return std::min(requested, kMaxPageSize);
}

std::string EncodePageToken(std::string_view listing, std::string_view key) {
  return absl::WebSafeBase64Escape(core::StrCat(Prefix(listing), key));
}

absl::StatusOr<std::string> DecodePageToken(std::string_view listing, std::string_view token) {
  if (token.empty()) return std::string();
  std::string raw;
  const std::string prefix = Prefix(listing);
  if (!absl::WebSafeBase64Unescape(std::string(token), &raw) || !absl::StartsWith(raw, prefix)) {
    return FieldError("page_token", "is not a token returned by this listing");
  }
  return raw.substr(prefix.size());
}

}  // namespace herald::api
