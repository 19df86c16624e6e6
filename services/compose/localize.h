#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/core/clock.h"
#include "services/core/template.h"

namespace herald::compose {

/// The content to use for a customer's locale: the exact locale, then its language
/// alone (nl-BE -> nl), then the template's default locale; nullptr when the template
/// has none of them.
const core::LocalizedContent* SelectContent(const core::Template& tmpl, std::string_view locale);

/// An amount of money as the customer reads it, e.g. 1234.5 EUR in nl-NL is
/// "€ 1.234,50", in en-IE "€1,234.50". `units` and `nanos` as in herald.v1.Money.
/// INVALID_ARGUMENT for an unknown currency or locale.
absl::StatusOr<std::string> FormatMoney(int64_t units, int32_t nanos, std::string_view currency,
                                        std::string_view locale);

/// A date as the customer reads it in their zone, e.g. "maandag 2 maart 2026" (nl) or
/// "Monday, March 2, 2026" (en-US).
absl::StatusOr<std::string> FormatDate(core::Time t, std::string_view locale,
                                       std::string_view time_zone);

/// A time of day as the customer reads it in their zone, e.g. "09:30" (nl) or "9:30 AM"
/// (en-US).
absl::StatusOr<std::string> FormatTimeOfDay(core::Time t, std::string_view locale,
                                            std::string_view time_zone);

}  // namespace herald::compose
