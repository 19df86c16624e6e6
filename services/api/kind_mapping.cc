#include "services/api/kind_mapping.h"

#include <string>

#include "absl/strings/match.h"
#include "services/core/strings.h"

namespace herald::api {
namespace {

// The proto enums are the domain names with a type prefix (CHANNEL_EMAIL <-> EMAIL), so
// the names carry the mapping and a new value needs no code here.
template <typename D>
std::optional<D> ByName(const std::string& proto_name, std::string_view prefix,
                        std::optional<D> (*parse)(std::string_view)) {
  if (!std::string_view(proto_name).starts_with(prefix)) return std::nullopt;
  return parse(std::string_view(proto_name).substr(prefix.size()));
}

template <typename P>
P ToProtoByName(std::string_view prefix, std::string_view domain_name,
                bool (*parse)(const std::string&, P*)) {
  P value{};
  parse(core::StrCat(prefix, domain_name), &value);
  return value;
}

}  // namespace

std::optional<core::Channel> FromProto(v1::Channel c) {
  return ByName<core::Channel>(v1::Channel_Name(c), "CHANNEL_", core::ParseChannel);
}
std::optional<core::Category> FromProto(v1::Category c) {
  return ByName<core::Category>(v1::Category_Name(c), "CATEGORY_", core::ParseCategory);
}
std::optional<core::Priority> FromProto(v1::Priority p) {
  return ByName<core::Priority>(v1::Priority_Name(p), "PRIORITY_", core::ParsePriority);
}
std::optional<core::ConsentState> FromProto(v1::ConsentState s) {
  return ByName<core::ConsentState>(v1::ConsentState_Name(s), "CONSENT_STATE_",
                                    core::ParseConsentState);
}
std::optional<core::SuppressionReason> FromProto(v1::SuppressionReason r) {
  return ByName<core::SuppressionReason>(v1::SuppressionReason_Name(r), "SUPPRESSION_REASON_",
                                         core::ParseSuppressionReason);
}

std::optional<core::NotificationState> FromProto(v1::NotificationState s) {
  return ByName<core::NotificationState>(v1::NotificationState_Name(s), "NOTIFICATION_STATE_",
                                         core::ParseNotificationState);
}

v1::Channel ToProto(core::Channel c) {
  return ToProtoByName<v1::Channel>("CHANNEL_", core::Name(c), v1::Channel_Parse);
}
v1::Category ToProto(core::Category c) {
  return ToProtoByName<v1::Category>("CATEGORY_", core::Name(c), v1::Category_Parse);
}
v1::Priority ToProto(core::Priority p) {
  return ToProtoByName<v1::Priority>("PRIORITY_", core::Name(p), v1::Priority_Parse);
}
v1::ConsentState ToProto(core::ConsentState s) {
  return ToProtoByName<v1::ConsentState>("CONSENT_STATE_", core::Name(s), v1::ConsentState_Parse);
}
v1::SuppressionReason ToProto(core::SuppressionReason r) {
  return ToProtoByName<v1::SuppressionReason>("SUPPRESSION_REASON_", core::Name(r),
                                              v1::SuppressionReason_Parse);
}

v1::NotificationState ToProto(core::NotificationState s) {
  return ToProtoByName<v1::NotificationState>("NOTIFICATION_STATE_", core::Name(s),
                                              v1::NotificationState_Parse);
}

}  // namespace herald::api
