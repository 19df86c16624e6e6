#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace herald::api {

/// Page sizes: 0 means the default (50); more than the maximum (1000) is clamped;
/// negative is INVALID_ARGUMENT.
absl::StatusOr<int> EffectivePageSize(int requested);

/// An opaque page token for `listing` that continues after `key`.
std::string EncodePageToken(std::string_view listing, std::string_view key);

/// The key a token continues after; "" for an empty token. INVALID_ARGUMENT naming
/// page_token when it was not made by EncodePageToken for this listing.
absl::StatusOr<std::string> DecodePageToken(std::string_view listing, std::string_view token);

}  // namespace herald::api
