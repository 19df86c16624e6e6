#pragma once

#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "services/api/tls/server_tls.h"
#include "services/tracking/receipts.h"

namespace httplib {
class Server;
}

namespace herald::api {
namespace connect {
class ConnectGateway;
}

/// An endpoint of the public listener (provider receipts, unsubscribe links).
struct HttpRoute {
  enum class Method { kGet, kPost };
  Method method = Method::kPost;
  std::string path;  // a regular expression over the whole path (cpp-httplib's)
  std::function<tracking::ReceiptReply(const tracking::ReceiptRequest&)> handle;
};

/// One HTTP listener, plain or TLS. The internal one serves operations: /healthz (the
/// process is alive), /readyz (it takes work: 503 while starting or draining) and
/// /metrics (Prometheus text format); the public one serves the routes given (provider
/// receipts, unsubscribe links); either may also serve the JSON API and the console.
/// A request body over the limit is refused (413) from
/// its Content-Length, before it is read.
class HttpListener {
 public:
  struct Options {
    std::string host = "127.0.0.1";
    int port = 0;  // 0: a free port
    /// TLS material; null: plain TCP.
    tls::ReloadableServerTls* tls = nullptr;
    size_t max_body_bytes = 64 * 1024;
    /// Serves /healthz, /readyz and /metrics from this registry; null: none of them.
    std::shared_ptr<prometheus::Registry> metrics = {};
    /// When set, /metrics answers only callers it admits: it gets the Authorization
    /// header and whether the client presented a certificate that verified.
    std::function<absl::Status(const std::optional<std::string>& authorization,
                               bool client_certificate)>
        admit_metrics = {};
    std::vector<HttpRoute> routes = {};
    /// Serves the JSON/HTTP API (POST /herald.v1.<Service>/<Method>) through it; null:
    /// none.
    connect::ConnectGateway* api = nullptr;
    /// Serves the files of this directory (the built console) under /console/; empty:
    /// none.
    std::string console_dir = {};
  };

  /// Binds and starts serving.
  static absl::StatusOr<std::unique_ptr<HttpListener>> Start(Options options);
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;
  ~HttpListener();

  /// What /readyz answers, and herald_ready (1 or 0) on /metrics.
  void SetReady(bool ready) {
    ready_.store(ready);
    if (ready_gauge_ != nullptr) ready_gauge_->Set(ready ? 1 : 0);
  }
  int port() const { return port_; }
  /// Stops serving; idempotent.
  void Stop();

 private:
  HttpListener() = default;

  Options options_;
  std::unique_ptr<httplib::Server> server_;
  std::atomic<bool> ready_{false};
  prometheus::Gauge* ready_gauge_ = nullptr;  // with `metrics`
  int port_ = 0;
  std::thread thread_;
};

}  // namespace herald::api
