#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "services/core/clock.h"
#include "services/core/kinds.h"

namespace herald::core {

/// Where a notification is in its life.
enum class NotificationState {
  kPending,  // recorded from an event; the contact policy has not decided yet
  kQueued,
  kDeferred,
  kSuppressed,
  kSending,
  kSent,
  kDelivered,
  kBounced,
  kFailed,
  kUnknown,
};

std::string_view Name(NotificationState state);
std::optional<NotificationState> ParseNotificationState(std::string_view name);

/// The record of one message to one customer for one event (and template).
struct Notification {
  std::string notification_id;
  std::string event_id;
  std::string customer_id;
  std::string event_type;
  std::string template_name;       // empty until a template is chosen
  std::optional<Channel> channel;  // unset until a channel is chosen
  NotificationState state = NotificationState::kPending;
  Time create_time;
  Time update_time;

  bool operator==(const Notification&) const = default;
};

/// The deterministic id of the notification for (event, customer, template): the same
/// inputs always give the same id, so processing an event twice creates nothing new.
std::string NotificationId(std::string_view event_id, std::string_view customer_id,
                           std::string_view template_name);

}  // namespace herald::core
