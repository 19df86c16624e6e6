#pragma once

#include <string>

#include "herald/v1/operator_service.grpc.pb.h"
#include "services/api/audit_trail.h"
#include "services/api/rpc_runner.h"
#include "services/core/clock.h"
#include "services/store/store.h"

namespace herald::api {

/// herald.v1.OperatorService: retry, cancel and resolve notifications, one at a time or
/// by filter (OperatorStore), each change in the notification's history as "<action> by
/// <principal>: <reason>" and audited.
class OperatorService final : public v1::OperatorService::CallbackService {
 public:
  /// `wake`: called after a change that queued notifications again (the dispatcher's
  /// Wake), so they go at once; may be empty. `audit` may be null (unit tests).
  OperatorService(store::NotificationStore& store, const core::Clock& clock, RpcRunner& runner,
                  AuditTrail* audit, std::function<void()> wake = {})
      : store_(store), clock_(clock), runner_(runner), audit_(audit), wake_(std::move(wake)) {}

  grpc::ServerUnaryReactor* RetryNotification(grpc::CallbackServerContext* context,
                                              const v1::RetryNotificationRequest* request,
                                              v1::RetryNotificationResponse* response) override;
  grpc::ServerUnaryReactor* CancelNotification(grpc::CallbackServerContext* context,
                                               const v1::CancelNotificationRequest* request,
                                               v1::CancelNotificationResponse* response) override;
  grpc::ServerUnaryReactor* ResolveNotification(grpc::CallbackServerContext* context,
                                                const v1::ResolveNotificationRequest* request,
                                                v1::ResolveNotificationResponse* response) override;
  grpc::ServerUnaryReactor* BulkChangeNotifications(
      grpc::CallbackServerContext* context, const v1::BulkChangeNotificationsRequest* request,
      v1::BulkChangeNotificationsResponse* response) override;

  /// At most this many notifications by one bulk call.
  static constexpr int kMaxBulk = 100'000;

 private:
  /// Applies `action` to one notification; `out` is the notification after it.
  absl::Status ChangeOne(const auth::Caller& caller, std::string_view method,
                         store::OperatorChange::Action action, const std::string& id,
                         const std::string& reason, v1::Notification* out);
  absl::Status Bulk(const auth::Caller& caller, const v1::BulkChangeNotificationsRequest& request,
                    v1::BulkChangeNotificationsResponse& response);

  store::NotificationStore& store_;
  const core::Clock& clock_;
  RpcRunner& runner_;
  AuditTrail* audit_;
  std::function<void()> wake_;
};

}  // namespace herald::api
