#include "services/api/rpc_runner.h"

#include <openssl/crypto.h>

#include <chrono>

#include "absl/status/status.h"
#include "services/api/connect/connect_gateway.h"
#include "services/api/status.h"
#include "services/core/strings.h"

namespace herald::api {

namespace {

// `gateway_key`: the secret of heraldd's own JSON/HTTP gateway; a call that carries it
// comes through the gateway, whose client certificate names are then believed.
auth::Credentials CredentialsOf(const grpc::CallbackServerContext& context,
                                std::string_view gateway_key) {
  auth::Credentials credentials;
  const auto& metadata = context.client_metadata();
  if (auto it = metadata.find("authorization"); it != metadata.end()) {
    credentials.authorization = std::string(it->second.data(), it->second.size());
  }
  if (auto it = metadata.find(std::string(connect::ConnectGateway::kKeyHeader));
      !gateway_key.empty() && it != metadata.end() && it->second.size() == gateway_key.size() &&
      CRYPTO_memcmp(it->second.data(), gateway_key.data(), gateway_key.size()) == 0) {
    auto [begin, end] =
        metadata.equal_range(std::string(connect::ConnectGateway::kCertificateHeader));
    for (auto identity = begin; identity != end; ++identity) {
      credentials.certificate_identities.emplace_back(identity->second.data(),
                                                      identity->second.size());
    }
    return credentials;
  }
  // A client certificate that verified (mTLS): its names.
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth != nullptr && auth->IsPeerAuthenticated()) {
    for (const char* property : {"x509_subject_alternative_name", "x509_common_name"}) {
      for (const grpc::string_ref& value : auth->FindPropertyValues(property)) {
        credentials.certificate_identities.emplace_back(value.data(), value.size());
      }
    }
  }
  return credentials;
}

}  // namespace

RpcRunner::RpcRunner(BlockingExecutor& executor, auth::Gate& gate, prometheus::Registry& registry)
    : executor_(executor),
      gate_(gate),
      requests_(prometheus::BuildCounter()
                    .Name("herald_grpc_requests_total")
                    .Help("gRPC requests handled, by method and status code")
                    .Register(registry)),
      latency_(prometheus::BuildHistogram()
                   .Name("herald_grpc_request_duration_seconds")
                   .Help("Time from receiving a gRPC request to finishing it")
                   .Register(registry)) {}

grpc::ServerUnaryReactor* RpcRunner::Run(grpc::CallbackServerContext* context,
                                         const std::string& method,
                                         std::function<absl::Status()> handler) {
  return Run(context, method,
             [handler = std::move(handler)](const auth::Caller&) { return handler(); });
}

grpc::ServerUnaryReactor* RpcRunner::Run(grpc::CallbackServerContext* context,
                                         const std::string& method,
                                         std::function<absl::Status(const auth::Caller&)> handler) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const auto start = std::chrono::steady_clock::now();
  auto finish = [this, reactor, method, start](const absl::Status& status) {
    Record(method, status.code(),
           std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    reactor->Finish(ToGrpcStatus(status));
  };
  bool queued = executor_.Submit([this, context, method, handler = std::move(handler), finish] {
    if (context->IsCancelled()) {
      finish(absl::CancelledError("the call was cancelled before it was handled"));
      return;
    }
    absl::StatusOr<auth::Caller> caller =
        gate_.Admit(CredentialsOf(*context, gateway_key_), method);
    if (!caller.ok()) {
      finish(caller.status());
      return;
    }
    finish(handler(*caller));
  });
  if (!queued) {
    finish(absl::ResourceExhaustedError("heraldd is overloaded or shutting down; retry later"));
  }
  return reactor;
}

grpc::ServerUnaryReactor* RpcRunner::Run(grpc::CallbackServerContext* context,
                                         const std::string& method,
                                         const google::protobuf::Message& request,
                                         const google::protobuf::Message& response,
                                         std::function<absl::Status(const auth::Caller&)> handler) {
  const AuditedMethod* audited = AuditedMethodFor(method);
  if (audited == nullptr) return Run(context, method, std::move(handler));
  return Run(context, method,
             [this, method, audited, &request, &response,
              handler = std::move(handler)](const auth::Caller& caller) -> absl::Status {
               if (audit_ == nullptr) return handler(caller);
               std::string id = FieldText(request, audited->request_field);
               absl::StatusOr<std::string> before = audit_->Digest(audited->kind, id);
               if (!before.ok()) return before.status();
               absl::Status done = handler(caller);
               if (!done.ok()) return done;
               if (id.empty()) id = FieldText(response, audited->response_field);
               absl::StatusOr<std::string> after = audit_->Digest(audited->kind, id);
               absl::Status recorded =
                   after.ok() ? audit_->Record(caller, method, core::StrCat(audited->kind, "/", id),
                                               *std::move(before), *std::move(after))
                              : after.status();
               if (!recorded.ok()) audit_->Failed(method, recorded);
               return done;
             });
}

absl::StatusOr<auth::Caller> RpcRunner::Admit(grpc::CallbackServerContext* context,
                                              const std::string& method) {
  absl::StatusOr<auth::Caller> caller = gate_.Admit(CredentialsOf(*context, gateway_key_), method);
  if (!caller.ok()) Record(method, caller.status().code(), 0);
  return caller;
}

void RpcRunner::Record(const std::string& method, absl::StatusCode code, double seconds) {
  requests_.Add({{"method", method}, {"code", absl::StatusCodeToString(code)}}).Increment();
  latency_
      .Add({{"method", method}},
           prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                   0.1, 0.25, 0.5, 1, 2.5})
      .Observe(seconds);
}

}  // namespace herald::api
