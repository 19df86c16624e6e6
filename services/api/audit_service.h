#pragma once

#include "herald/v1/audit_service.grpc.pb.h"
#include "services/api/rpc_runner.h"
#include "services/store/audit_store.h"

namespace herald::api {

/// herald.v1.AuditService: reads the audit trail.
class AuditService final : public v1::AuditService::CallbackService {
 public:
  AuditService(store::AuditStore& store, RpcRunner& runner) : store_(store), runner_(runner) {}

  grpc::ServerUnaryReactor* ListAuditRecords(grpc::CallbackServerContext* context,
                                             const v1::ListAuditRecordsRequest* request,
                                             v1::ListAuditRecordsResponse* response) override;

 private:
  absl::Status List(const v1::ListAuditRecordsRequest& request,
                    v1::ListAuditRecordsResponse& response);

  store::AuditStore& store_;
  RpcRunner& runner_;
};

v1::AuditRecord AuditRecordToProto(const core::AuditRecord& record);

}  // namespace herald::api
