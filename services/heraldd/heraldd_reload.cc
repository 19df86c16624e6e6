// Heraldd's config reload (SIGHUP, AdminService.ReloadConfig): validated first, applied
// only where a running instance may change, and named in every decision after it.
#include <spdlog/spdlog.h>

#include "absl/strings/str_join.h"
#include "services/core/strings.h"
#include "services/heraldd/config_reload.h"
#include "services/heraldd/heraldd.h"

namespace herald::heraldd {

absl::StatusOr<api::ConfigReload> Heraldd::ReloadConfig() {
  std::lock_guard lock(reload_mu_);
  auto refuse = [&](const absl::Status& why) {
    spdlog::error("msg=\"config not reloaded; the one in force stays\" version={} error=\"{}\"",
                  running_.version, core::ToStd(why.message()));
    if (config_reloads_ != nullptr) config_reloads_->Add({{"result", "refused"}}).Increment();
    return absl::FailedPreconditionError(core::StrCat(
        why.message(), "\nthe config in force stays (version ", running_.version, ")"));
  };
  if (running_.source_path.empty()) {
    return refuse(absl::FailedPreconditionError("heraldd was started without a config file"));
  }
  absl::StatusOr<Config> next = LoadConfig(running_.source_path);
  if (!next.ok()) return refuse(next.status());
  absl::StatusOr<std::vector<std::string>> changed = ReloadableChanges(running_, *next);
  if (!changed.ok()) return refuse(changed.status());

  // Each part in its own stage: the next batch each stage takes uses it.
  decider_->SetConfig(next->policy.rules, next->version);
  if (dispatcher_ != nullptr) {
    if (next->email.enabled)
      dispatcher_->SetChannelPolicy(core::Channel::kEmail, next->email.dispatch);
    if (next->sms.enabled) dispatcher_->SetChannelPolicy(core::Channel::kSms, next->sms.dispatch);
  }
  spdlog::default_logger()->set_level(next->log.level);

  api::ConfigReload done{.version = next->version,
                         .previous_version = running_.version,
                         .digest = next->digest,
                         .previous_digest = running_.digest,
                         .changed = *std::move(changed)};
  if (config_info_ != nullptr && done.version != done.previous_version) {
    config_info_->Add({{"version", done.previous_version}}).Set(0);
    config_info_->Add({{"version", done.version}}).Set(1);
  }
  if (config_reloads_ != nullptr) {
    config_reloads_->Add({{"result", done.changed.empty() ? "unchanged" : "applied"}}).Increment();
  }
  spdlog::info("msg=\"config reloaded\" version={} previous={} changed=\"{}\"", done.version,
               done.previous_version, absl::StrJoin(done.changed, ","));
  running_ = *std::move(next);
  return done;
}

}  // namespace herald::heraldd
