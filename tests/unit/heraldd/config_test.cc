#include "services/heraldd/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

#include "services/core/strings.h"
#include "tests/support/temp_dir.h"

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
  EXPECT_EQ(config->server.grpc.address.ToString(), "127.0.0.1:50051");
  EXPECT_EQ(config->server.http.address.ToString(), "127.0.0.1:8080");
  EXPECT_EQ(config->server.public_http.address.ToString(), "127.0.0.1:8081");
  EXPECT_FALSE(config->server.grpc.tls.enabled());
  EXPECT_EQ(config->server.shutdown_grace, std::chrono::seconds(10));
  EXPECT_EQ(config->store.sqlite.path, "var/herald.db");
  EXPECT_TRUE(config->store.sqlite.synchronous_full);
}

TEST(Config, ReadsTypedValues) {
  auto config = ParseConfig(R"(
server:
  grpc_listen: "[::1]:0"
  http:
    listen: 0.0.0.0:9000
    insecure: true
  public:
    listen: 10.1.2.3:443
    tls: {cert_file: /etc/herald/public.pem, key_file: /etc/herald/public.key}
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
  EXPECT_EQ(config->server.grpc.address.host, "::1");
  EXPECT_EQ(config->server.grpc.address.port, 0);
  EXPECT_EQ(config->server.grpc.address.ToString(), "[::1]:0");
  EXPECT_EQ(config->server.http.address.port, 9000);
  EXPECT_TRUE(config->server.http.insecure);
  EXPECT_EQ(config->server.public_http.tls.cert_file, "/etc/herald/public.pem");
  EXPECT_TRUE(config->server.public_http.tls.enabled());
  EXPECT_EQ(config->server.shutdown_grace, std::chrono::milliseconds(250));
  EXPECT_EQ(config->server.worker_threads, 8);
  EXPECT_EQ(config->store.sqlite.busy_timeout, std::chrono::seconds(2));
  EXPECT_FALSE(config->store.sqlite.synchronous_full);
  EXPECT_EQ(config->store.sqlite.max_batch, 64);
  EXPECT_EQ(config->log.level, spdlog::level::debug);
}

TEST(Config, AListenerOffLoopbackNeedsTlsOrToBeMarkedInsecure) {
  EXPECT_EQ(ErrorOf("server:\n  grpc_listen: 0.0.0.0:50051\n"),
            "heraldd.yaml: server.grpc: 0.0.0.0:50051 is not a loopback address and has no TLS: "
            "set server.grpc.tls.cert_file and key_file, or server.grpc.insecure: true to serve "
            "plain TCP there on purpose (e.g. behind a proxy that terminates TLS)");
  EXPECT_THAT(ErrorOf("server:\n  public: {listen: \"[::]:8443\"}\n"),
              HasSubstr("server.public: [::]:8443 is not a loopback address and has no TLS"));
  for (const char* loopback : {"127.0.0.1:0", "127.9.8.7:0", "localhost:0", "\"[::1]:0\""}) {
    EXPECT_TRUE(ParseConfig(core::StrCat("server:\n  http_listen: ", loopback, "\n"), "x").ok())
        << loopback;
  }
  EXPECT_TRUE(IsLoopback("127.0.0.1"));
  EXPECT_FALSE(IsLoopback("127.example.com"));
  EXPECT_FALSE(IsLoopback("0.0.0.0"));
  EXPECT_FALSE(IsLoopback(""));
}

TEST(Config, TlsFilesAreSetTogetherAndAClientCaNeedsTls) {
  EXPECT_THAT(ErrorOf("server:\n  grpc:\n    tls: {cert_file: a.pem}\n"),
              HasSubstr("server.grpc.tls.key_file: cert_file and key_file are set together"));
  EXPECT_THAT(ErrorOf("server:\n  grpc:\n    tls: {client_ca_file: ca.pem}\n"),
              HasSubstr("server.grpc.tls.client_ca_file: needs cert_file and key_file"));
  EXPECT_THAT(ErrorOf("server:\n  grpc_listen: 127.0.0.1:1\n  grpc: {listen: 127.0.0.1:2}\n"),
              HasSubstr("server.grpc.listen: given twice: here and as server.grpc_listen"));
  EXPECT_THAT(ErrorOf("server:\n  grpc:\n    tls: {cert_fle: a.pem}\n"),
              HasSubstr("server.grpc.tls.cert_fle: unknown key (did you mean \"cert_file\"?)"));
}

TEST(Config, ThePostgresStoreNeedsAConnectionStringLibpqReads) {
  auto config = ParseConfig(R"(
store:
  backend: postgres
  postgres:
    dsn: "host=db.internal port=5433 dbname=herald user=herald sslmode=verify-full"
    password_file: /run/secrets/herald-db
    pool_size: 16
    statement_timeout: 5s
    send_lease: 90s
    instance: heraldd-0
)",
                            "heraldd.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->store.backend, Config::Store::Backend::kPostgres);
  EXPECT_EQ(config->store.postgres.pool_size, 16);
  EXPECT_EQ(config->store.postgres.statement_timeout, std::chrono::seconds(5));
  EXPECT_EQ(config->store.postgres.password_file, "/run/secrets/herald-db");
  EXPECT_EQ(config->store.postgres.send_lease, std::chrono::seconds(90));
  EXPECT_EQ(config->store.postgres.instance, "heraldd-0");
  EXPECT_EQ(config->kafka.fanout_topic, "herald.fanout");

  EXPECT_THAT(ErrorOf("store:\n  backend: postgres\n"),
              HasSubstr("store.postgres.dsn: must be set when store.backend is postgres"));
  EXPECT_THAT(ErrorOf("store:\n  backend: postgres\n  postgres:\n    dsn: \"hots=db\"\n"),
              HasSubstr("store.postgres.dsn: not a libpq connection string: invalid connection "
                        "option \"hots\""));
  EXPECT_THAT(ErrorOf("store:\n  backend: mysql\n"),
              HasSubstr("store.backend: \"mysql\" is not one of: sqlite, postgres"));
  // The dsn alone does not switch the backend: SQLite stays the default.
  auto sqlite = ParseConfig("store:\n  postgres:\n    dsn: host=db\n", "heraldd.yaml");
  ASSERT_TRUE(sqlite.ok()) << sqlite.status();
  EXPECT_EQ(sqlite->store.backend, Config::Store::Backend::kSqlite);
}

// The outbound side is safe by default: credentials only over TLS.
TEST(Config, OutboundCredentialsGoOnlyOverTls) {
  EXPECT_THAT(ErrorOf("email:\n  url: smtp://mail.internal:587\n  username: herald\n"
                      "  password: s3cret\n  from_address: noreply@bank.example\n"),
              HasSubstr("email.starttls: must be required when email.username or "
                        "email.password is set: credentials go only over TLS"));
  EXPECT_TRUE(ParseConfig("email:\n  url: smtp://mail.internal:587\n  starttls: required\n"
                          "  username: herald\n  from_address: noreply@bank.example\n",
                          "x")
                  .ok());
  EXPECT_TRUE(ParseConfig("email:\n  url: smtps://mail.internal:465\n  username: herald\n"
                          "  from_address: noreply@bank.example\n",
                          "x")
                  .ok());
  EXPECT_THAT(ErrorOf("sms:\n  url: http://sms.example/send\n  token: abc\n"),
              HasSubstr("sms.url: is http:// to another machine, so sms.token would cross the "
                        "network in clear: use https://"));
  EXPECT_TRUE(ParseConfig("sms:\n  url: http://127.0.0.1:8025/send\n  token: abc\n", "x").ok());
  EXPECT_THAT(ErrorOf("sms:\n  provider: twilio\n  base_url: http://api.twilio.example\n"
                      "  account_sid: AC1\n  auth_token: t\n  from: \"+3197\"\n"),
              HasSubstr("sms.base_url: is http:// to another machine"));
}

// Secrets come inline, from a file (a mounted secret) or from the environment.
TEST(Config, ASecretComesFromAFileOrTheEnvironment) {
  testing::TempDir dir;
  std::ofstream(dir.File("smtp-password")) << "from-the-file\n";
  setenv("HERALD_TEST_SMS_TOKEN", "from-the-environment", 1);
  auto config = ParseConfig(
      "email:\n  url: smtps://mail.internal:465\n  username: herald\n"
      "  password: {file: " +
          dir.File("smtp-password") +
          "}\n  from_address: noreply@bank.example\n"
          "sms:\n  url: https://sms.example/send\n  token: {env: HERALD_TEST_SMS_TOKEN}\n"
          "receipts:\n  generic_secret: inline-secret\n"
          "store:\n  postgres:\n    password: {env: HERALD_TEST_SMS_TOKEN}\n",
      "heraldd.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->email.smtp.password, "from-the-file");
  EXPECT_EQ(config->sms.generic.token, "from-the-environment");
  EXPECT_EQ(config->receipts.generic_secret, "inline-secret");
  EXPECT_EQ(config->store.postgres.password, "from-the-environment");

  EXPECT_THAT(ErrorOf("receipts:\n  generic_secret: {file: /nonexistent/secret}\n"),
              HasSubstr("receipts.generic_secret.file: cannot read a secret from "
                        "/nonexistent/secret"));
  EXPECT_THAT(ErrorOf("receipts:\n  generic_secret: {env: HERALD_TEST_UNSET_VARIABLE}\n"),
              HasSubstr("receipts.generic_secret.env: the environment variable "
                        "HERALD_TEST_UNSET_VARIABLE is not set"));
  EXPECT_THAT(ErrorOf("receipts:\n  generic_secret: {file: a, env: B}\n"),
              HasSubstr("give the secret itself, or {file: PATH}, or {env: NAME}"));
  EXPECT_THAT(ErrorOf("receipts:\n  generic_secret: {path: a}\n"),
              HasSubstr("receipts.generic_secret.path: unknown key"));
  unsetenv("HERALD_TEST_SMS_TOKEN");
}

// Credentials in a URL would be logged with it: refused, naming where they belong.
TEST(Config, AConnectorUrlWithCredentialsIsRefused) {
  EXPECT_THAT(ErrorOf("email:\n  url: smtp://herald:s3cret@mail.internal:587\n"
                      "  from_address: noreply@bank.example\n"),
              HasSubstr("email.url: must not hold credentials (a URL is logged): set "
                        "email.username and email.password instead"));
  EXPECT_THAT(ErrorOf("sms:\n  url: https://key:s3cret@sms.example/send\n"),
              HasSubstr("sms.url: must not hold credentials"));
  // An @ after the host (a path or query) is no credential.
  auto fine = ParseConfig(
      "email:\n  url: smtp://mail.internal:587\n  from_address: noreply@bank.example\n"
      "sms:\n  url: https://sms.example/send?from=bank@x\n",
      "heraldd.yaml");
  EXPECT_TRUE(fine.ok()) << fine.status();
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

TEST(Config, RetentionKeepsContentNinetyDaysAndRecordsFourHundredUnlessToldOtherwise) {
  auto defaults = ParseConfig("", "heraldd.yaml");
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->retention.content_after, std::chrono::hours(24 * 90));
  EXPECT_EQ(defaults->retention.records_after, std::chrono::hours(24 * 400));
  EXPECT_TRUE(defaults->server.health);
  auto set = ParseConfig(
      "retention:\n  content_after: 30d\n  records_after: 0s\nserver:\n  health: false\n",
      "heraldd.yaml");
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->retention.content_after, std::chrono::hours(24 * 30));
  EXPECT_EQ(set->retention.records_after.count(), 0);
  EXPECT_FALSE(set->server.health);
  EXPECT_THAT(ErrorOf("retention:\n  content_after: 90d\n  records_after: 30d\n"),
              HasSubstr("retention.records_after: must not be shorter than content_after"));
}

TEST(Config, PreferenceLinksAreSignedExpireAndPointSomewhere) {
  auto set = ParseConfig(
      "dispatch:\n  preferences_base_url: https://bank.example/preferences\n"
      "  unsubscribe_secret: sixteen-chars-or-more\n  preferences_link_valid_for: 14d\n",
      "heraldd.yaml");
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->dispatch.preferences_base_url, "https://bank.example/preferences");
  EXPECT_EQ(set->dispatch.preferences_link_valid_for, std::chrono::hours(24 * 14));
  EXPECT_EQ(ParseConfig("", "heraldd.yaml")->dispatch.preferences_link_valid_for,
            std::chrono::hours(24 * 60));
  EXPECT_THAT(ErrorOf("dispatch:\n  preferences_base_url: https://bank.example/preferences\n"),
              HasSubstr("dispatch.unsubscribe_secret: must be set (16 characters or more) with "
                        "preferences_base_url"));
  EXPECT_THAT(ErrorOf("dispatch:\n  preferences_base_url: bank.example/preferences\n"
                      "  unsubscribe_secret: sixteen-chars-or-more\n"),
              HasSubstr("dispatch.preferences_base_url: must be an http(s) URL"));
  EXPECT_THAT(ErrorOf("dispatch:\n  preferences_link_valid_for: 10m\n"),
              HasSubstr("dispatch.preferences_link_valid_for: must be 1h or more"));
}

TEST(Config, EveryProblemIsReportedAtOnce) {
  std::string error = ErrorOf("server:\n  worker_threads: 0\n  bogus: 1\nlog:\n  level: loud\n");
  EXPECT_THAT(error, HasSubstr("server.worker_threads"));
  EXPECT_THAT(error, HasSubstr("server.bogus"));
  EXPECT_THAT(error, HasSubstr("log.level"));
}

TEST(Config, ThePolicySectionOverridesTheDefaultRules) {
  auto config = ParseConfig(R"(
policy:
  quiet_hours: "22:30-07:15"
  default_time_zone: Europe/Amsterdam
  default_channels: [SMS]
  complaint_cooldown: 30d
  complaint_categories: [SURVEY]
  duplicate_window: 1d
  global_cap: 3/1d
  max_batch: 200
  categories:
    SURVEY: {consent: opt_in, cap: 1/90d, over_cap: drop}
    ORDER_UPDATE: {consent: opt_in}
    INFORMATIONAL: {cap: "off"}
)",
                            "heraldd.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  const policy::PolicyConfig& rules = config->policy.rules;
  EXPECT_EQ(rules.default_quiet_hours, (core::QuietHours{22 * 60 + 30, 7 * 60 + 15}));
  EXPECT_EQ(rules.default_time_zone, "Europe/Amsterdam");
  EXPECT_EQ(rules.default_channels, std::vector<core::Channel>{core::Channel::kSms});
  EXPECT_EQ(rules.complaint_cooldown, std::chrono::hours(24 * 30));
  EXPECT_EQ(rules.duplicate_window, std::chrono::hours(24));
  ASSERT_TRUE(rules.global_cap);
  EXPECT_EQ(rules.global_cap->max_count, 3);
  EXPECT_EQ(config->policy.max_batch, 200);
  const auto& survey = rules.For(core::Category::kSurvey);
  EXPECT_FALSE(survey.consent_by_default);
  EXPECT_EQ(survey.cap->window, std::chrono::hours(24 * 90));
  EXPECT_EQ(survey.over_cap, policy::OverCap::kDrop);
  EXPECT_FALSE(rules.For(core::Category::kOrderUpdate).consent_by_default);
  EXPECT_FALSE(rules.For(core::Category::kInformational).cap);
  // Untouched categories keep the shipped defaults.
  EXPECT_EQ(rules.For(core::Category::kReminder).cap->max_count, 3);
}

TEST(Config, BadPolicyValuesNameTheKey) {
  const std::string error = ErrorOf(R"(
policy:
  quiet_hours: "25:00-07:00"
  default_time_zone: Mars/Olympus
  global_cap: 0/1d
  categories:
    SURVAY: {cap: 1/30d}
    SECURITY: {cap: 1/1d}
    SURVEY: {over_cap: later}
)");
  EXPECT_THAT(error, HasSubstr("heraldd.yaml:3:16: policy.quiet_hours: \"25:00\" is not a time"));
  EXPECT_THAT(error, HasSubstr("policy.default_time_zone:"));
  EXPECT_THAT(error, HasSubstr("policy.global_cap: \"0/1d\" is not a cap COUNT/WINDOW"));
  EXPECT_THAT(error, HasSubstr("policy.categories.SURVAY: \"SURVAY\" is not a category"));
  EXPECT_THAT(error, HasSubstr("policy.categories.SECURITY.cap: SECURITY is never capped"));
  EXPECT_THAT(error, HasSubstr("policy.categories.SURVEY.over_cap: \"later\" is not one of"));
}

TEST(Config, TheComposeSectionSetsTheSmsLimit) {
  auto config = ParseConfig("compose:\n  max_sms_segments: 2\n", "heraldd.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->compose.max_sms_segments, 2);
  EXPECT_EQ(ParseConfig("", "heraldd.yaml")->compose.max_sms_segments, 3);
  EXPECT_THAT(ErrorOf("compose:\n  max_sms_segments: 0\n"),
              HasSubstr("heraldd.yaml:2:21: compose.max_sms_segments:"));
  EXPECT_THAT(ErrorOf("compose:\n  max_segments: 2\n"),
              HasSubstr("compose.max_segments: unknown key"));
}

TEST(Config, TheStatusTopicIsOnByDefaultAndCanBeJsonOrOff) {
  auto defaults = ParseConfig("", "heraldd.yaml");
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->kafka.status_topic, "herald.delivery-status");
  EXPECT_FALSE(defaults->kafka.status_json);
  auto json = ParseConfig("kafka:\n  status_topic: analytics.herald\n  status_format: json\n",
                          "heraldd.yaml");
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(json->kafka.status_topic, "analytics.herald");
  EXPECT_TRUE(json->kafka.status_json);
  EXPECT_EQ(ParseConfig("kafka:\n  status_topic: \"\"\n", "heraldd.yaml")->kafka.status_topic, "");
  EXPECT_THAT(ErrorOf("kafka:\n  status_format: avro\n"),
              HasSubstr("kafka.status_format: \"avro\" is not one of: protobuf, json"));
  EXPECT_THAT(ErrorOf("kafka:\n  status_topic: herald.orders\n"),
              HasSubstr("kafka.status_topic: herald.orders is also consumed"));
  EXPECT_THAT(ErrorOf("kafka:\n  status_topic: herald.profiles\n"),
              HasSubstr("kafka.status_topic: herald.profiles is also consumed"));
  EXPECT_THAT(ErrorOf("kafka:\n  status_topic: herald.dlq\n"),
              HasSubstr("kafka.status_topic: herald.dlq is also consumed or the dead-letter"));
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
