#pragma once

#include <string>

#include "herald/v1/operator_service.grpc.pb.h"
#include "services/api/audit_trail.h"
#include "services/api/rpc_runner.h"
#include "services/core/clock.h"
#include "services/store/store.h"

namespace herald::api {

/// A reason an operator gave for a change: set, at most 500 bytes, UTF-8; else
/// INVALID_ARGUMENT naming the field "reason".
absl::Status CheckOperatorReason(const std::string& reason);

/// herald.v1.OperatorService: retry, cancel and resolve notifications, one at a time or
/// by filter (OperatorStore), each change in the notification's history as "<action> by
/// <principal>: <reason>" and audited; and pause and resume sending (PauseStore, in
/// operator_pauses.cc).
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

  grpc::ServerUnaryReactor* PauseSending(grpc::CallbackServerContext* context,
                                         const v1::PauseSendingRequest* request,
                                         v1::PauseSendingResponse* response) override;
  grpc::ServerUnaryReactor* ResumeSending(grpc::CallbackServerContext* context,
                                          const v1::ResumeSendingRequest* request,
                                          v1::ResumeSendingResponse* response) override;
  grpc::ServerUnaryReactor* ListPauses(grpc::CallbackServerContext* context,
                                       const v1::ListPausesRequest* request,
                                       v1::ListPausesResponse* response) override;

  /// `templates`: where a paused template's name is checked (nullptr: not checked).
  /// `changed`: called after a pause or resume here (to read the pauses and release at
  /// once rather than at the next poll). Set before serving.
  void SetPauseHooks(store::TemplateStore* templates, std::function<void()> changed) {
    templates_ = templates;
    pauses_changed_ = std::move(changed);
  }

  /// At most this many notifications by one bulk call.
  static constexpr int kMaxBulk = 100'000;

 private:
  /// Applies `action` to one notification; `out` is the notification after it.
  absl::Status ChangeOne(const auth::Caller& caller, std::string_view method,
                         store::OperatorChange::Action action, const std::string& id,
                         const std::string& reason, v1::Notification* out);
  absl::Status Bulk(const auth::Caller& caller, const v1::BulkChangeNotificationsRequest& request,
                    v1::BulkChangeNotificationsResponse& response);

  absl::Status Pause(const auth::Caller& caller, const v1::PauseSendingRequest& request,
                     v1::PauseSendingResponse& response);
  absl::Status Resume(const auth::Caller& caller, const v1::ResumeSendingRequest& request,
                      v1::ResumeSendingResponse& response);

  store::NotificationStore& store_;
  const core::Clock& clock_;
  RpcRunner& runner_;
  AuditTrail* audit_;
  std::function<void()> wake_;
  store::TemplateStore* templates_ = nullptr;
  std::function<void()> pauses_changed_;
};

}  // namespace herald::api
