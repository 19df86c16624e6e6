#pragma once

#include <mstch/mstch.hpp>
#include <string_view>

#include "absl/status/statusor.h"
#include "herald/v1/event.pb.h"
#include "services/core/profile.h"

namespace herald::compose {

/// Where a message goes and how its values read: the customer's locale and zone.
struct Reader {
  std::string_view locale;     // BCP-47, e.g. "nl-NL"
  std::string_view time_zone;  // IANA, e.g. "Europe/Amsterdam"
  /// The customer the message is for; empty: the event's one customer.
  std::string_view customer_id = {};
  /// The customer's own locale, as customer.locale; empty: `locale` (values may be
  /// formatted in the content's locale when the customer's language has none).
  std::string_view customer_locale = {};
};

/// The data a template is rendered with for one customer and event, so that authors
/// never write code:
///   customer.{id, name, email, phone, locale, time_zone}  (event overrides win)
///   event.{id, type, source, occur_time}
///   order | service | fraud: the payload by its field names; nested messages as
///     sections, repeated fields as lists, enums by name
///   attributes.NAME
/// Every timestamp is {iso, date, time} in the reader's zone and locale ("maandag
/// 2 maart 2026", "09:30"); every amount is {amount, currency, value} ("€ 12,50",
/// "EUR", "12.50"). Missing fields are absent, so {{#order.total}} tests for one.
absl::StatusOr<mstch::node> BuildTemplateData(const v1::Event& event, const core::Profile* profile,
                                              const Reader& reader);

}  // namespace herald::compose
