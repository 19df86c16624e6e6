#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/core/clock.h"

namespace herald::core {

/// What a preference-centre link stands for: this customer may see and change their
/// contact choices until the link expires.
struct PreferenceClaim {
  std::string customer_id = {};
  Time expire_time = {};

  bool operator==(const PreferenceClaim&) const = default;
};

/// Preference-centre links' tokens: the claim signed (SignToken) under a key only
/// heraldd holds, distinct from an unsubscribe token signed with the same key. Unlike
/// those they expire: a link that lets someone opt in must not work forever in a
/// forwarded or forgotten email.
class PreferenceTokens {
 public:
  explicit PreferenceTokens(std::string key) : key_(std::move(key)) {}

  std::string Issue(const PreferenceClaim& claim) const;
  /// INVALID_ARGUMENT for a token of the wrong shape, PERMISSION_DENIED for one whose
  /// signature does not match, DEADLINE_EXCEEDED for one that expired before `now`.
  absl::StatusOr<PreferenceClaim> Read(std::string_view token, Time now) const;

 private:
  std::string key_;
};

}  // namespace herald::core
