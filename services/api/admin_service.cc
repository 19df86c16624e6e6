#include "services/api/admin_service.h"

#include "services/core/audit.h"
#include "services/core/strings.h"

namespace herald::api {

grpc::ServerUnaryReactor* AdminService::ReloadConfig(grpc::CallbackServerContext* context,
                                                     const v1::ReloadConfigRequest* /*request*/,
                                                     v1::ReloadConfigResponse* response) {
  return runner_.Run(context, "AdminService.ReloadConfig",
                     [this, response](const auth::Caller& caller) -> absl::Status {
                       absl::StatusOr<ConfigReload> reloaded = reload_();
                       if (!reloaded.ok()) return reloaded.status();
                       response->set_config_version(reloaded->version);
                       response->set_previous_version(reloaded->previous_version);
                       for (const std::string& part : reloaded->changed)
                         response->add_changed(part);
                       if (audit_ != nullptr && reloaded->version != reloaded->previous_version) {
                         const std::string method = "AdminService.ReloadConfig";
                         absl::Status audited = audit_->Record(
                             caller, method, "config", reloaded->previous_digest, reloaded->digest);
                         if (!audited.ok()) audit_->Failed(method, audited);
                       }
                       return absl::OkStatus();
                     });
}

}  // namespace herald::api
