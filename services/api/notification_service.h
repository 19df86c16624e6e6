#pragma once

#include "herald/v1/notification_service.grpc.pb.h"
#include "services/api/rpc_runner.h"
#include "services/store/store.h"

namespace herald::api {

/// herald.v1.NotificationService: the delivery log. Get, List and Explain read the
/// store; Watch answers UNIMPLEMENTED until delivery tracking exists.
class NotificationService final : public v1::NotificationService::CallbackService {
 public:
  NotificationService(store::NotificationStore& store, RpcRunner& runner)
      : store_(store), runner_(runner) {}

  grpc::ServerUnaryReactor* GetNotification(grpc::CallbackServerContext* context,
                                            const v1::GetNotificationRequest* request,
                                            v1::GetNotificationResponse* response) override;
  grpc::ServerUnaryReactor* ListNotifications(grpc::CallbackServerContext* context,
                                              const v1::ListNotificationsRequest* request,
                                              v1::ListNotificationsResponse* response) override;
  grpc::ServerUnaryReactor* ExplainNotification(grpc::CallbackServerContext* context,
                                                const v1::ExplainNotificationRequest* request,
                                                v1::ExplainNotificationResponse* response) override;

 private:
  absl::Status Explain(const v1::ExplainNotificationRequest& request,
                       v1::ExplainNotificationResponse& response);
  absl::Status Get(const v1::GetNotificationRequest& request,
                   v1::GetNotificationResponse& response);
  absl::Status List(const v1::ListNotificationsRequest& request,
                    v1::ListNotificationsResponse& response);

  store::NotificationStore& store_;
  RpcRunner& runner_;
};

}  // namespace herald::api
