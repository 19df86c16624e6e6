#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "tests/support/subprocess.h"

namespace herald::testing {

/// A heraldd process started from the built binary with a config whose listeners use
/// port 0 (unless `extra_yaml` has a server section of its own); the ports it chose are
/// read from its "listening" log lines. Unless `extra_yaml` has an auth section, heraldd
/// makes an admin key in `dir`/admin.token, and Channel() calls with it.
class HeralddProcess {
 public:
  /// `extra_yaml` is appended to the generated config (in `dir`). `db_path`: the SQLite
  /// file, or a PostgreSQL connection string (with dbname=), and then `postgres_yaml`
  /// goes under store.postgres (lines indented by four). Starts and waits until ready.
  HeralddProcess(const std::string& dir, const std::string& db_path,
                 const std::string& extra_yaml = "", const std::string& postgres_yaml = "");

  bool ready() const { return ready_; }
  int grpc_port() const { return grpc_port_; }
  /// The internal HTTP listener: /healthz, /readyz, /metrics.
  int http_port() const { return http_port_; }
  /// The public HTTP listener: provider receipts.
  int public_port() const { return public_port_; }
  std::string grpc_target() const { return "127.0.0.1:" + std::to_string(grpc_port_); }
  /// A channel whose calls carry the admin token.
  std::shared_ptr<grpc::Channel> Channel() const;
  /// A channel whose calls carry `token` (none when empty).
  std::shared_ptr<grpc::Channel> Channel(const std::string& token) const;
  /// The admin key's token from `dir`/admin.token ("" when heraldd wrote none there).
  const std::string& admin_token() const { return admin_token_; }
  Subprocess& process() { return *process_; }

  /// The sum of a metric's series whose labels contain `labels`, from /metrics; -1 when
  /// it does not answer.
  double Metric(const std::string& name, const std::string& labels = "") const;

  /// SIGTERM, then the exit code.
  int Stop();

 private:
  std::unique_ptr<Subprocess> process_;
  bool ready_ = false;
  int grpc_port_ = 0;
  int http_port_ = 0;
  int public_port_ = 0;
  std::string admin_token_;
};

/// A context with a deadline, as every outbound call has.
std::unique_ptr<grpc::ClientContext> Context();

}  // namespace herald::testing
