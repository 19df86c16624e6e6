#pragma once

#include <prometheus/registry.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"

namespace httplib {
class Server;
}

namespace herald::api {

/// The HTTP endpoints for operations: /healthz (the process is alive), /readyz (it
/// takes work: 503 while starting or draining) and /metrics (Prometheus text format).
class AdminHttpServer {
 public:
  /// Binds host:port (port 0 picks a free one) and starts serving.
  static absl::StatusOr<std::unique_ptr<AdminHttpServer>> Start(
      const std::string& host, int port, std::shared_ptr<prometheus::Registry> registry);
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
