#pragma once

#include <grpcpp/grpcpp.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "services/api/audit_trail.h"
#include "services/api/auth/caller.h"
#include "services/api/auth/gate.h"
#include "services/api/blocking_executor.h"

namespace herald::api {

/// Runs unary RPC handlers on the blocking executor and finishes their reactors, so
/// that handlers may call the store while gRPC's threads stay free. Every call passes
/// the gate first (its caller authenticated, their role allowed the method). Counts
/// every call by method and status code, and its latency.
class RpcRunner {
 public:
  RpcRunner(BlockingExecutor& executor, auth::Gate& gate, prometheus::Registry& registry);

  /// `method` is "Service.Method". The handler runs later on another thread, only if the
  /// gate admits the caller; what it captures must outlive the call (request and
  /// response do, until Finish).
  grpc::ServerUnaryReactor* Run(grpc::CallbackServerContext* context, const std::string& method,
                                std::function<absl::Status(const auth::Caller&)> handler);
  grpc::ServerUnaryReactor* Run(grpc::CallbackServerContext* context, const std::string& method,
                                std::function<absl::Status()> handler);
  /// For a method that changes something: also recorded in the audit trail (when set)
  /// with the resource's digest before and after.
  grpc::ServerUnaryReactor* Run(grpc::CallbackServerContext* context, const std::string& method,
                                const google::protobuf::Message& request,
                                const google::protobuf::Message& response,
                                std::function<absl::Status(const auth::Caller&)> handler);

  /// Calls carrying this secret come from heraldd's JSON/HTTP gateway, and the client
  /// certificate names they carry are believed. Set before the server starts.
  void TrustGateway(std::string key) { gateway_key_ = std::move(key); }

  /// Where changes are recorded; none when unset (unit tests of one service).
  void SetAuditTrail(AuditTrail* audit) { audit_ = audit; }

  /// For a streaming call, on a thread that may block: the caller, or the refusal (also
  /// counted as the call's outcome).
  absl::StatusOr<auth::Caller> Admit(grpc::CallbackServerContext* context,
                                     const std::string& method);

 private:
  void Record(const std::string& method, absl::StatusCode code, double seconds);

  BlockingExecutor& executor_;
  auth::Gate& gate_;
  AuditTrail* audit_ = nullptr;
  std::string gateway_key_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& latency_;
};

}  // namespace herald::api
