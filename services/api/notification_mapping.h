#pragma once

#include <optional>

#include "absl/status/statusor.h"
#include "herald/v1/delivery_status.pb.h"
#include "herald/v1/notification.pb.h"
#include "herald/v1/notification_service.pb.h"
#include "services/core/notification.h"
#include "services/store/store.h"

namespace herald::api {

v1::Decision DecisionToProto(const core::Decision& d);
v1::Notification NotificationToProto(const core::Notification& n);
v1::DeliveryStatusChange StatusChangeToProto(const store::StatusChange& c);

/// The store filter for an API filter; INVALID_ARGUMENT names a bad field.
absl::StatusOr<store::NotificationFilter> FilterFromProto(const v1::NotificationFilter& filter);

}  // namespace herald::api
