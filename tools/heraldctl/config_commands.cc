// heraldctl config reload: the instance reads its config file again (admin role).
#include <CLI/CLI.hpp>

#include "herald/v1/admin_service.grpc.pb.h"
#include "tools/heraldctl/heraldctl.h"

namespace herald::heraldctl {

void Heraldctl::AddConfigCommands(CLI::App& app) {
  CLI::App* config = app.add_subcommand("config", "Run heraldd without restarting it (admin role)")
                         ->require_subcommand(1);
  config
      ->add_subcommand("reload",
                       "Read this instance's config file again and apply the policy, the "
                       "channels' pacing and retries and log.level (as SIGHUP does)")
      ->callback([this] { ConfigReload(); });
}

void Heraldctl::ConfigReload() {
  auto stub = v1::AdminService::NewStub(Channel());
  v1::ReloadConfigResponse response;
  if (!Check(stub->ReloadConfig(Context().get(), v1::ReloadConfigRequest(), &response))) return;
  if (response.changed().empty()) {
    out_ << "config " << response.config_version() << " in force; nothing changed\n";
    return;
  }
  out_ << "config " << response.config_version() << " in force (was " << response.previous_version()
       << "); changed:";
  for (const std::string& part : response.changed()) out_ << " " << part;
  out_ << "\n";
}

}  // namespace herald::heraldctl
