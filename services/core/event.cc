#include "services/core/event.h"

#include <algorithm>

namespace herald::core {

const std::vector<std::string_view>& KnownEventTypes() {
  static const std::vector<std::string_view> kTypes = {
      "order.placed",
      "order.shipped",
      "order.delayed",
      "order.delivered",
      "order.cancelled",
      "service.outage_started",
      "service.outage_updated",
      "service.outage_resolved",
      "service.appointment_scheduled",
      "service.appointment_reminder",
      "service.complaint_received",
      "service.complaint_resolved",
      "fraud.suspicious_login",
      "fraud.card_blocked",
      "fraud.transaction_flagged",
  };
  return kTypes;
}

bool IsKnownEventType(std::string_view type) {
  const auto& types = KnownEventTypes();
  return std::find(types.begin(), types.end(), type) != types.end();
}

std::string_view Name(EventKind kind) {
  switch (kind) {
    case EventKind::kOrder:
      return "order";
    case EventKind::kService:
      return "service";
    case EventKind::kFraud:
      return "fraud";
  }
  return "unknown";
}

}  // namespace herald::core
