#pragma once

#include <mutex>
#include <set>

#include "herald/v1/notification_service.grpc.pb.h"
#include "services/api/rpc_runner.h"
#include "services/store/store.h"

namespace herald::api {

/// herald.v1.NotificationService: the delivery log. Get, List and Explain read the
/// store; Watch streams every change from the moment it starts (a thread per watcher,
/// following the store's change log; at most kMaxWatchers at once).
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
  grpc::ServerWriteReactor<v1::WatchNotificationsResponse>* WatchNotifications(
      grpc::CallbackServerContext* context, const v1::WatchNotificationsRequest* request) override;

  /// Ends every watch (heraldd is stopping), so that shutdown does not wait for them.
  void EndWatches();

  static constexpr int kMaxWatchers = 64;

 private:
  absl::Status Explain(const v1::ExplainNotificationRequest& request,
                       v1::ExplainNotificationResponse& response);
  absl::Status Get(const v1::GetNotificationRequest& request,
                   v1::GetNotificationResponse& response);
  absl::Status List(const v1::ListNotificationsRequest& request,
                    v1::ListNotificationsResponse& response);

  class Watcher;
  friend class Watcher;

  store::NotificationStore& store_;
  RpcRunner& runner_;
  std::mutex watchers_mu_;
  std::set<Watcher*> watchers_;
};

}  // namespace herald::api
