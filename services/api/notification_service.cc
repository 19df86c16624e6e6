#include "services/api/notification_service.h"

#include "services/api/notification_mapping.h"
#include "services/api/page_token.h"
#include "services/api/status.h"

namespace herald::api {
namespace {

constexpr char kListing[] = "notifications";

}  // namespace

grpc::ServerUnaryReactor* NotificationService::GetNotification(
    grpc::CallbackServerContext* context, const v1::GetNotificationRequest* request,
    v1::GetNotificationResponse* response) {
  return runner_.Run(context, "NotificationService.GetNotification",
                     [=, this] { return Get(*request, *response); });
}

grpc::ServerUnaryReactor* NotificationService::ListNotifications(
    grpc::CallbackServerContext* context, const v1::ListNotificationsRequest* request,
    v1::ListNotificationsResponse* response) {
  return runner_.Run(context, "NotificationService.ListNotifications",
                     [=, this] { return List(*request, *response); });
}

absl::Status NotificationService::Get(const v1::GetNotificationRequest& request,
                                      v1::GetNotificationResponse& response) {
  if (request.notification_id().empty()) return FieldError("notification_id", "must be set");
  auto n = store_.GetNotification(request.notification_id());
  if (!n.ok()) return n.status();
  *response.mutable_notification() = NotificationToProto(*n);
  return absl::OkStatus();
}

absl::Status NotificationService::List(const v1::ListNotificationsRequest& request,
                                       v1::ListNotificationsResponse& response) {
  absl::StatusOr<int> size = EffectivePageSize(request.page_size());
  if (!size.ok()) return size.status();
  absl::StatusOr<std::string> after = DecodePageToken(kListing, request.page_token());
  if (!after.ok()) return after.status();
  auto filter = FilterFromProto(request.filter());
  if (!filter.ok()) return filter.status();
  auto page = store_.ListNotifications(*filter, *after, *size);
  if (!page.ok()) return InField("page_token", page.status());
  for (const core::Notification& n : page->items) {
    *response.add_notifications() = NotificationToProto(n);
  }
  if (page->next_after) response.set_next_page_token(EncodePageToken(kListing, *page->next_after));
  return absl::OkStatus();
}

}  // namespace herald::api
