#include "services/heraldd/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace herald::heraldd {
namespace {

using ::testing::HasSubstr;

std::string ErrorOf(const std::string& yaml) {
  auto config = ParseConfig(yaml, "heraldd.yaml");
  EXPECT_FALSE(config.ok());
  return std::string(config.status().message());
}

TEST(Config, AnEmptyFileGivesTheDefaults) {
  auto config = ParseConfig("", "heraldd.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server.grpc_listen.ToString(), "127.0.0.1:50051");
  EXPECT_EQ(config->server.shutdown_grace, std::chrono::seconds(10));
  EXPECT_EQ(config->store.sqlite.path, "var/herald.db");
  EXPECT_TRUE(config->store.sqlite.synchronous_full);
}

TEST(Config, ReadsTypedValues) {
  auto config = ParseConfig(R"(
server:
  grpc_listen: "[::1]:0"
  http_listen: 0.0.0.0:9000
  shutdown_grace: 250ms
  worker_threads: 8
store:
  sqlite:
    path: /var/lib/herald/herald.db
    busy_timeout: 2s
    synchronous: normal
    max_batch: 64
log:
  level: debug
)",
                            "heraldd.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server.grpc_listen.host, "::1");
  EXPECT_EQ(config->server.grpc_listen.port, 0);
  EXPECT_EQ(config->server.grpc_listen.ToString(), "[::1]:0");
  EXPECT_EQ(config->server.http_listen.port, 9000);
  EXPECT_EQ(config->server.shutdown_grace, std::chrono::milliseconds(250));
  EXPECT_EQ(config->server.worker_threads, 8);
  EXPECT_EQ(config->store.sqlite.busy_timeout, std::chrono::seconds(2));
  EXPECT_FALSE(config->store.sqlite.synchronous_full);
  EXPECT_EQ(config->store.sqlite.max_batch, 64);
  EXPECT_EQ(config->log.level, spdlog::level::debug);
}

TEST(Config, AnUnknownKeyIsRejectedWithItsPathPositionAndAHint) {
  std::string error = ErrorOf("server:\n  grpc_listn: 127.0.0.1:1\n");
  EXPECT_THAT(error, HasSubstr("heraldd.yaml:2:3: server.grpc_listn: unknown key"));
  EXPECT_THAT(error, HasSubstr("did you mean \"grpc_listen\""));

  error = ErrorOf("store:\n  sqlite:\n    paht: x.db\n");
  EXPECT_THAT(error, HasSubstr("heraldd.yaml:3:5: store.sqlite.paht: unknown key"));
  EXPECT_THAT(ErrorOf("kafak: {}\n"), HasSubstr("heraldd.yaml:1:1: kafak: unknown key"));
}

TEST(Config, BadValuesNameTheKeyAndWhatIsExpected) {
  EXPECT_THAT(ErrorOf("server:\n  shutdown_grace: 10\n"),
              HasSubstr("server.shutdown_grace: \"10\" needs a unit"));
  EXPECT_THAT(ErrorOf("server:\n  grpc_listen: localhost\n"),
              HasSubstr("server.grpc_listen: \"localhost\" is not host:port"));
  EXPECT_THAT(ErrorOf("server:\n  grpc_listen: 127.0.0.1:70000\n"), HasSubstr("from 0 to 65535"));
  EXPECT_THAT(ErrorOf("server:\n  worker_threads: many\n"),
              HasSubstr("server.worker_threads: \"many\" must be a whole number from 1 to 256"));
  EXPECT_THAT(ErrorOf("store:\n  sqlite:\n    synchronous: sometimes\n"),
              HasSubstr("store.sqlite.synchronous: \"sometimes\" is not one of: full, normal"));
  EXPECT_THAT(ErrorOf("server: [1, 2]\n"), HasSubstr("server: must be a mapping"));
  EXPECT_THAT(ErrorOf("server:\n  grpc_listen: [a]\n"), HasSubstr("must be a single value"));
  EXPECT_THAT(ErrorOf("server: {grpc_listen: \"a\n"), HasSubstr("not valid YAML"));
}

TEST(Config, EveryProblemIsReportedAtOnce) {
  std::string error = ErrorOf("server:\n  worker_threads: 0\n  bogus: 1\nlog:\n  level: loud\n");
  EXPECT_THAT(error, HasSubstr("server.worker_threads"));
  EXPECT_THAT(error, HasSubstr("server.bogus"));
  EXPECT_THAT(error, HasSubstr("log.level"));
}

TEST(ParseDuration, UnderstandsTheUnits) {
  EXPECT_EQ(*ParseDuration("250ms"), std::chrono::milliseconds(250));
  EXPECT_EQ(*ParseDuration("14d"), std::chrono::hours(24 * 14));
  EXPECT_FALSE(ParseDuration("1.5s").ok());
  EXPECT_FALSE(ParseDuration("s").ok());
  EXPECT_FALSE(ParseDuration("-1s").ok());
  EXPECT_FALSE(ParseDuration("10 weeks").ok());
}

}  // namespace
}  // namespace herald::heraldd
