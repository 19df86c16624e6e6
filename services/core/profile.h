#pragma once

#include <optional>
#include <string>
#include <vector>

#include "services/core/clock.h"
#include "services/core/kinds.h"

namespace herald::core {

/// A customer's recorded consent for one category on one channel.
struct Consent {
  Category category;
  Channel channel;
  ConsentState state;
  std::string source;
  Time update_time;

  bool operator==(const Consent&) const = default;
};

/// A daily quiet window in the customer's time zone, as minutes since midnight.
/// It may cross midnight; start == end means no quiet hours.
struct QuietHours {
  int start_minute = 0;
  int end_minute = 0;

  bool operator==(const QuietHours&) const = default;
};

/// A block on contact; an absent channel or category means "all".
struct Suppression {
  std::optional<Channel> channel;
  std::optional<Category> category;
  SuppressionReason reason;
  std::string detail;
  Time create_time;
  std::optional<Time> expire_time;

  bool operator==(const Suppression&) const = default;
};

/// Everything Herald knows about how to reach one customer.
struct Profile {
  std::string customer_id;
  std::string display_name;
  std::string email;
  std::string phone;      // E.164
  std::string locale;     // canonical BCP-47
  std::string time_zone;  // IANA
  std::vector<Channel> preferred_channels;
  std::vector<Consent> consents;
  std::optional<QuietHours> quiet_hours;
  std::vector<Suppression> suppressions;
  Time create_time;
  Time update_time;

  bool operator==(const Profile&) const = default;
};

}  // namespace herald::core
