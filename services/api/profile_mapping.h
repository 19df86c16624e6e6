#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "herald/v1/profile.pb.h"
#include "services/core/profile.h"

namespace herald::api {

/// Validates and normalizes an API profile into the domain's. Errors are
/// INVALID_ARGUMENT naming the field under `field` (e.g. "profile.consents[1].channel").
/// Consents and suppressions without a time get `now`; a consent whose state equals
/// the one in `previous` (may be null) keeps its recorded source and time, so
/// re-sending a profile does not rewrite the proof of consent.
absl::StatusOr<core::Profile> ProfileFromProto(const v1::CustomerProfile& proto,
                                               std::string_view field, core::Time now,
                                               const core::Profile* previous);

v1::CustomerProfile ProfileToProto(const core::Profile& profile);

/// A customer id: 1 to 128 bytes of letters, digits and "-_.:@".
absl::Status ValidateCustomerId(std::string_view id, std::string_view field);

}  // namespace herald::api
