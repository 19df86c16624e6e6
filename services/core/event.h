#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "services/core/clock.h"

namespace herald::core {

/// The business area an event belongs to; the part of its type before the dot.
enum class EventKind { kOrder, kService, kFraud };

/// Contact data that came with the event, used instead of the stored profile's.
struct ContactOverrides {
  std::string email;
  std::string phone;
  std::string locale;
  std::string display_name;

  bool empty() const {
    return email.empty() && phone.empty() && locale.empty() && display_name.empty();
  }
  bool operator==(const ContactOverrides&) const = default;
};

/// A validated business event, as the later stages see it.
struct Event {
  std::string event_id;
  std::string event_type;  // "order.shipped"
  EventKind kind = EventKind::kOrder;
  Time occur_time;
  std::string source;
  /// The customers it addresses, without duplicates, in the order given.
  std::vector<std::string> customer_ids;
  /// True when the event named an audience rather than one customer.
  bool has_audience = false;
  ContactOverrides overrides;
  /// What the event is about, e.g. "order 1234" or "incident INC-7"; empty when the
  /// payload names nothing. The same subject and type twice is the same news.
  std::string subject;
  std::map<std::string, std::string> attributes;

  bool operator==(const Event&) const = default;
};

/// The event types Herald knows, e.g. "order.shipped"; the part before the dot is the
/// kind, which must match the event's payload.
const std::vector<std::string_view>& KnownEventTypes();
bool IsKnownEventType(std::string_view type);
std::string_view Name(EventKind kind);

}  // namespace herald::core
