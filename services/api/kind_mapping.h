#pragma once

#include <optional>

#include "herald/v1/common.pb.h"
#include "herald/v1/notification.pb.h"
#include "herald/v1/profile.pb.h"
#include "herald/v1/template.pb.h"
#include "services/core/kinds.h"
#include "services/core/notification.h"

// Enum mapping between the API and the domain. A proto value of *_UNSPECIFIED, or one
// this build does not know, maps to nullopt.
namespace herald::api {

std::optional<core::Channel> FromProto(v1::Channel c);
std::optional<core::Category> FromProto(v1::Category c);
std::optional<core::Priority> FromProto(v1::Priority p);
std::optional<core::ConsentState> FromProto(v1::ConsentState s);
std::optional<core::SuppressionReason> FromProto(v1::SuppressionReason r);
std::optional<core::NotificationState> FromProto(v1::NotificationState s);

v1::Channel ToProto(core::Channel c);
v1::Category ToProto(core::Category c);
v1::Priority ToProto(core::Priority p);
v1::ConsentState ToProto(core::ConsentState s);
v1::SuppressionReason ToProto(core::SuppressionReason r);
v1::NotificationState ToProto(core::NotificationState s);

}  // namespace herald::api
