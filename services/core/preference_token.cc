#include "services/core/preference_token.h"

#include <charconv>

#include "services/core/signed_token.h"
#include "services/core/strings.h"

namespace herald::core {
namespace {

// "p1\n<expiry, Unix seconds>\n<customer id>": the id last, so that any id reads back.
constexpr std::string_view kVersion = "p1";

}  // namespace

std::string PreferenceTokens::Issue(const PreferenceClaim& claim) const {
  const int64_t expiry =
      std::chrono::duration_cast<std::chrono::seconds>(claim.expire_time.time_since_epoch())
          .count();
  return SignToken(key_, StrCat(kVersion, "\n", expiry, "\n", claim.customer_id));
}

absl::StatusOr<PreferenceClaim> PreferenceTokens::Read(std::string_view token, Time now) const {
  absl::StatusOr<std::string> payload = VerifyToken(key_, token, "a preferences token");
  if (!payload.ok()) return payload.status();
  const std::string_view text = *payload;
  const size_t first = text.find('\n');
  const size_t second = first == std::string_view::npos ? first : text.find('\n', first + 1);
  int64_t expiry = 0;
  if (second == std::string_view::npos || text.substr(0, first) != kVersion ||
      std::from_chars(text.data() + first + 1, text.data() + second, expiry).ptr !=
          text.data() + second) {
    // An unsubscribe token signed with the same key lands here too.
    return absl::InvalidArgumentError("not a preferences token (unknown version)");
  }
  PreferenceClaim claim{.customer_id = std::string(text.substr(second + 1)),
                        .expire_time = Time(std::chrono::seconds(expiry))};
  if (claim.expire_time <= now) {
    return absl::DeadlineExceededError(
        StrCat("this link expired at ", FormatTime(claim.expire_time)));
  }
  return claim;
}

}  // namespace herald::core
