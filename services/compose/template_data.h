#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "herald/v1/event.pb.h"
#include "services/compose/value.h"
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
  /// The customer's preference-centre link, as preferences_url; empty: none.
  std::string_view preferences_url = {};
};

/// The event's part of the data a template is rendered with, the same for every
/// customer reading it in the same locale and zone:
///   event.{id, type, source, occur_time}
///   order | service | fraud: the payload by its field names; nested messages as
///     sections, repeated fields as lists, enums by name
///   attributes.NAME
/// Every timestamp is {iso, date, time} in the reader's zone and locale ("maandag
/// 2 maart 2026", "09:30"); every amount is {amount, currency, value} ("€ 12,50",
/// "EUR", "12.50"). Missing fields are absent, so {{#order.total}} tests for one.
/// INVALID_ARGUMENT when a value does not format (an unknown currency).
absl::StatusOr<Value> BuildEventData(const v1::Event& event, const Reader& reader);

/// The customer's part, to render on top of the event's:
///   customer.{id, name, email, phone, locale, time_zone}  (event overrides win)
///   preferences_url: where they manage their choices (absent when not configured)
Value BuildCustomerData(const v1::Event& event, const core::Profile* profile, const Reader& reader);

/// Both in one map, so that authors never write code (see BuildEventData and
/// BuildCustomerData for what is in it).
absl::StatusOr<Value> BuildTemplateData(const v1::Event& event, const core::Profile* profile,
                                        const Reader& reader);

/// One event's data for each locale and zone it is read in, built the first time and
/// shared by every customer the event reaches (an outage reaches thousands). For one
/// thread at a time.
class EventDataCache {
 public:
  explicit EventDataCache(const v1::Event& event) : event_(event) {}

  const v1::Event& event() const { return event_; }
  /// BuildEventData for the locale and zone; the same object every time.
  const absl::StatusOr<Value>& For(std::string_view locale, std::string_view time_zone);

 private:
  const v1::Event& event_;
  std::map<std::pair<std::string, std::string>, absl::StatusOr<Value>> built_;
};

}  // namespace herald::compose
