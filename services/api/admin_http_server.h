#pragma once

#include <prometheus/registry.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "services/tracking/receipts.h"

namespace httplib {
class Server;
}

namespace herald::api {

/// A POST endpoint beside the operations ones (provider receipts).
struct PostRoute {
  std::string path;
  std::function<tracking::ReceiptReply(const tracking::ReceiptRequest&)> handle;
};

/// The HTTP endpoints for operations: /healthz (the process is alive), /readyz (it
/// takes work: 503 while starting or draining) and /metrics (Prometheus text format),
/// plus the POST routes given (e.g. /receipts/sms).
class AdminHttpServer {
 public:
  /// Binds host:port (port 0 picks a free one) and starts serving.
  static absl::StatusOr<std::unique_ptr<AdminHttpServer>> Start(
      const std::string& host, int port, std::shared_ptr<prometheus::Registry> registry,
      std::vector<PostRoute> routes = {});
  AdminHttpServer(const AdminHttpServer&) = delete;
  AdminHttpServer& operator=(const AdminHttpServer&) = delete;
  ~AdminHttpServer();

  void SetReady(bool ready) { ready_.store(ready); }
  int port() const { return port_; }
  /// Stops serving; idempotent.
  void Stop();

 private:
  AdminHttpServer() = default;

  std::unique_ptr<httplib::Server> server_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::atomic<bool> ready_{false};
  int port_ = 0;
  std::thread thread_;
};

}  // namespace herald::api
