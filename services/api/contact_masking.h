#pragma once

#include "herald/v1/notification.pb.h"
#include "herald/v1/notification_service.pb.h"
#include "herald/v1/profile.pb.h"
#include "herald/v1/profile_service.pb.h"

namespace herald::api {

// What a caller without a need for contact data (the viewer role) is shown: addresses,
// numbers and names masked, message bodies (which greet the customer by name and may
// quote anything) left out, every detail's contact data masked.
void MaskForViewer(v1::CustomerProfile& profile);
void MaskForViewer(v1::Notification& notification);
void MaskForViewer(v1::ExplainNotificationResponse& response);
void MaskForViewer(v1::GetNotificationResponse& response);
void MaskForViewer(v1::ListNotificationsResponse& response);
void MaskForViewer(v1::GetProfileResponse& response);
void MaskForViewer(v1::ListProfilesResponse& response);

}  // namespace herald::api
