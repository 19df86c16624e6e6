#pragma once

#include <unicode/timezone.h>

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace herald::core {

// Each function checks one kind of contact datum and returns its canonical form, or
// INVALID_ARGUMENT saying what is wrong with the value (the caller adds the field name).

/// A customer id: 1 to 128 bytes of letters, digits and "-_.:@".
absl::Status ValidateCustomerId(std::string_view id);

/// An email address: one '@', a local part of at most 64 bytes, a domain with a dot,
/// no spaces or control characters. The domain is lower-cased.
absl::StatusOr<std::string> NormalizeEmail(std::string_view email);

/// A phone number in international form (leading '+'), valid per libphonenumber;
/// returned in E.164 ("+31612345678").
absl::StatusOr<std::string> NormalizePhone(std::string_view phone);

/// A BCP-47 language tag with a known language (and region, if given); returned in
/// canonical form ("nl-BE").
absl::StatusOr<std::string> NormalizeLocale(std::string_view locale);

/// An IANA time zone id known to ICU ("Europe/Amsterdam"); returned as given.
absl::StatusOr<std::string> NormalizeTimeZone(std::string_view time_zone);

/// An ICU time zone for an IANA id; INVALID_ARGUMENT for an id ICU does not know.
absl::StatusOr<std::unique_ptr<icu::TimeZone>> MakeTimeZone(std::string_view time_zone);

}  // namespace herald::core
