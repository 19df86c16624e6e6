#pragma once

#include <grpcpp/grpcpp.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "services/api/blocking_executor.h"

namespace herald::api {

/// Runs unary RPC handlers on the blocking executor and finishes their reactors, so
/// that handlers may call the store while gRPC's threads stay free. Counts every call
/// by method and status code, and its latency.
class RpcRunner {
 public:
  RpcRunner(BlockingExecutor& executor, prometheus::Registry& registry);

  /// `method` is "Service.Method". The handler runs later on another thread; what it
  /// captures must outlive the call (request and response do, until Finish).
  grpc::ServerUnaryReactor* Run(grpc::CallbackServerContext* context, const std::string& method,
                                std::function<absl::Status()> handler);

 private:
  void Record(const std::string& method, absl::StatusCode code, double seconds);

  BlockingExecutor& executor_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& latency_;
};

}  // namespace herald::api
