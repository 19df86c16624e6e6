#include "services/heraldd/config_reload.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace herald::heraldd {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kBase[] =
    "store:\n  sqlite:\n    path: /var/lib/herald/herald.db\n"
    "policy:\n  quiet_hours: \"21:00-08:00\"\n  max_batch: 500\n"
    "sms:\n  provider: generic_json\n  url: https://sms.example/send\n  token: t\n"
    "  rate_per_second: 50\n"
    "log:\n  level: info\n";

Config Parse(const std::string& yaml) {
  absl::StatusOr<Config> config = ParseConfig(yaml, "heraldd.yaml");
  EXPECT_TRUE(config.ok()) << config.status();
  return config.ok() ? *config : Config{};
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  text.replace(text.find(from), from.size(), to);
  return text;
}

TEST(ConfigReloadTest, TheVersionIsTheFilesDigest) {
  const Config a = Parse(kBase);
  EXPECT_EQ(a.version.size(), 12u);
  EXPECT_EQ(a.digest.substr(0, 12), a.version);
  EXPECT_EQ(Parse(kBase).version, a.version);
  EXPECT_NE(Parse(std::string(kBase) + "# a comment\n").version, a.version);
  auto same = ReloadableChanges(a, Parse(std::string(kBase) + "# a comment\n"));
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_THAT(*same, IsEmpty()) << "a comment changes the version, not a setting";
}

TEST(ConfigReloadTest, PolicyPacingAndLogLevelReload) {
  const Config running = Parse(kBase);
  std::string next = Replace(kBase, "21:00-08:00", "22:00-07:00");
  next = Replace(next, "rate_per_second: 50", "rate_per_second: 5\n  breaker_failures: 3");
  next = Replace(next, "level: info", "level: debug");
  auto changed = ReloadableChanges(running, Parse(next));
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_THAT(*changed, ElementsAre("policy", "sms", "log.level"));
}

TEST(ConfigReloadTest, WhatOnlyARestartAppliesIsRefusedByName) {
  const Config running = Parse(kBase);
  for (const auto& [from, to, section] :
       {std::tuple{"url: https://sms.example/send", "url: https://other.example/send", "sms"},
        std::tuple{"max_batch: 500", "max_batch: 50", "policy"},
        std::tuple{"level: info", "level: info\n  format: json", "log"},
        std::tuple{"/var/lib/herald/herald.db", "/tmp/other.db", "store"}}) {
    auto changed = ReloadableChanges(running, Parse(Replace(kBase, from, to)));
    EXPECT_EQ(changed.status().code(), absl::StatusCode::kFailedPrecondition) << from;
    EXPECT_THAT(changed.status().message(),
                HasSubstr(std::string("changed settings only a restart applies: ") + section))
        << from;
  }
  // A section added empty is as good as none.
  auto empty = ReloadableChanges(running, Parse(std::string(kBase) + "compose: {}\n"));
  EXPECT_TRUE(empty.ok()) << empty.status();
}

}  // namespace
}  // namespace herald::heraldd
