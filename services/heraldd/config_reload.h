#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/heraldd/config.h"

// What of heraldd's config may change while it runs (Heraldd::Reload, on SIGHUP or
// AdminService.ReloadConfig): the contact policy (policy.*, but max_batch), the email
// and sms channels' pacing and retries (rate_per_second, burst, concurrency,
// initial_backoff, max_backoff, max_age, breaker_failures, breaker_open_for,
// resend_after_crash) and log.level. The rest (listeners, store, Kafka, connectors'
// addresses and credentials, auth, ...) needs a restart.
namespace herald::heraldd {

/// Splits a parsed config file into the parts a reload may not change (each top-level
/// section with the reloadable keys taken out) and those it may ("policy", "email",
/// "sms", "log.level"), each as YAML text.
void SplitConfig(const YAML::Node& root, std::map<std::string, std::string>& fixed,
                 std::map<std::string, std::string>& reloadable);

/// The reloadable parts `next` changes from `running` (e.g. {"policy", "sms"}), in
/// order; FAILED_PRECONDITION naming the other sections it changes, which only a
/// restart applies.
absl::StatusOr<std::vector<std::string>> ReloadableChanges(const Config& running,
                                                           const Config& next);

}  // namespace herald::heraldd
