#include "services/heraldd/config_reload.h"

#include <set>

#include "absl/strings/str_join.h"
#include "services/core/strings.h"

namespace herald::heraldd {
namespace {

// dispatch::ChannelPolicy's keys in the email and sms sections.
constexpr const char* kChannelPolicyKeys[] = {
    "rate_per_second",   "burst",   "concurrency",      "initial_backoff",
    "max_backoff",       "max_age", "breaker_failures", "breaker_open_for",
    "resend_after_crash"};

// Moves `keys` of map `section` (those it has) into a map of their own.
YAML::Node Take(YAML::Node section, const std::vector<std::string>& keys) {
  YAML::Node taken(YAML::NodeType::Map);
  for (const std::string& key : keys) {
    if (!section[key]) continue;
    taken[key] = YAML::Clone(section[key]);
    section.remove(key);
  }
  return taken;
}

}  // namespace

void SplitConfig(const YAML::Node& root, std::map<std::string, std::string>& fixed,
                 std::map<std::string, std::string>& reloadable) {
  fixed.clear();
  reloadable.clear();
  if (!root.IsMap()) return;
  YAML::Node copy = YAML::Clone(root);
  if (YAML::Node policy = copy["policy"]; policy.IsMap()) {
    std::vector<std::string> keys;
    for (const auto& entry : policy) {
      const std::string key = entry.first.as<std::string>();
      if (key != "max_batch") keys.push_back(key);  // the releaser's batch: set at start
    }
    reloadable["policy"] = Dump(Take(policy, keys));
  }
  for (const char* channel : {"email", "sms"}) {
    if (YAML::Node section = copy[channel]; section.IsMap()) {
      reloadable[channel] =
          Dump(Take(section, std::vector<std::string>(std::begin(kChannelPolicyKeys),
                                                      std::end(kChannelPolicyKeys))));
    }
  }
  if (YAML::Node log = copy["log"]; log.IsMap()) {
    reloadable["log.level"] = Dump(Take(log, {"level"}));
  }
  for (const auto& entry : copy) fixed[entry.first.as<std::string>()] = Dump(entry.second);
}

absl::StatusOr<std::vector<std::string>> ReloadableChanges(const Config& running,
                                                           const Config& next) {
  std::set<std::string> sections;
  for (const auto& [name, yaml] : running.fixed_parts) sections.insert(name);
  for (const auto& [name, yaml] : next.fixed_parts) sections.insert(name);
  std::vector<std::string> restart;
  for (const std::string& name : sections) {
    auto a = running.fixed_parts.find(name);
    auto b = next.fixed_parts.find(name);
    const std::string before = a == running.fixed_parts.end() ? "" : a->second;
    const std::string after = b == next.fixed_parts.end() ? "" : b->second;
    // An emptied section is as good as none.
    if (before != after &&
        !((before.empty() || before == "{}") && (after.empty() || after == "{}"))) {
      restart.push_back(name);
    }
  }
  if (!restart.empty()) {
    return absl::FailedPreconditionError(core::StrCat(
        "changed settings only a restart applies: ", absl::StrJoin(restart, ", "),
        " (a reload applies policy, log.level and the email and sms channels' pacing and "
        "retries)"));
  }
  std::vector<std::string> changed;
  for (const char* part : {"policy", "email", "sms", "log.level"}) {
    auto a = running.reloadable_parts.find(part);
    auto b = next.reloadable_parts.find(part);
    const std::string before = a == running.reloadable_parts.end() ? "{}" : a->second;
    const std::string after = b == next.reloadable_parts.end() ? "{}" : b->second;
    if (before != after) changed.emplace_back(part);
  }
  return changed;
}

}  // namespace herald::heraldd
