#pragma once

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include "herald/v1/privacy_service.grpc.pb.h"
#include "services/api/rpc_runner.h"
#include "services/core/clock.h"
#include "services/store/store.h"

namespace herald::api {

/// herald.v1.PrivacyService: erasure and export of a customer, for the privacy role.
class PrivacyService final : public v1::PrivacyService::CallbackService {
 public:
  PrivacyService(store::Store& store, const core::Clock& clock, RpcRunner& runner,
                 prometheus::Registry& registry);

  grpc::ServerUnaryReactor* EraseCustomer(grpc::CallbackServerContext* context,
                                          const v1::EraseCustomerRequest* request,
                                          v1::EraseCustomerResponse* response) override;
  grpc::ServerUnaryReactor* ExportCustomer(grpc::CallbackServerContext* context,
                                           const v1::ExportCustomerRequest* request,
                                           v1::ExportCustomerResponse* response) override;

 private:
  absl::Status Erase(const auth::Caller& caller, const v1::EraseCustomerRequest& request,
                     v1::EraseCustomerResponse& response);
  absl::Status Export(const auth::Caller& caller, const v1::ExportCustomerRequest& request,
                      v1::ExportCustomerResponse& response);

  store::Store& store_;
  const core::Clock& clock_;
  RpcRunner& runner_;
  prometheus::Counter& erased_;
  prometheus::Counter& exported_;
};

}  // namespace herald::api
