#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "herald/v1/admin_service.grpc.pb.h"
#include "services/api/audit_trail.h"
#include "services/api/rpc_runner.h"

namespace herald::api {

/// What a config reload did.
struct ConfigReload {
  std::string version;
  std::string previous_version;
  /// The files' SHA-256 (hex), for the audit trail.
  std::string digest;
  std::string previous_digest;
  /// "policy", "email", "sms", "log.level": the parts that changed.
  std::vector<std::string> changed = {};
};

/// herald.v1.AdminService: runs this instance without restarting it. The reload
/// itself is heraldd's (it alone knows the config file), given as `reload`.
class AdminService final : public v1::AdminService::CallbackService {
 public:
  using Reload = std::function<absl::StatusOr<ConfigReload>()>;

  /// `audit` may be null (unit tests).
  AdminService(Reload reload, RpcRunner& runner, AuditTrail* audit)
      : reload_(std::move(reload)), runner_(runner), audit_(audit) {}

  grpc::ServerUnaryReactor* ReloadConfig(grpc::CallbackServerContext* context,
                                         const v1::ReloadConfigRequest* request,
                                         v1::ReloadConfigResponse* response) override;

 private:
  const Reload reload_;
  RpcRunner& runner_;
  AuditTrail* audit_;
};

}  // namespace herald::api
