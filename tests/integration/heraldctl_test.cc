// heraldctl as an operator uses it, against a running heraldd process.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "tests/integration/heraldd_process.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace herald::testing {
namespace {

using ::testing::HasSubstr;

class HeraldctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    heraldd_ = std::make_unique<HeralddProcess>(dir_.path().string(), dir_.File("herald.db"));
    ASSERT_TRUE(heraldd_->ready()) << heraldd_->process().Stderr();
  }

  void TearDown() override { EXPECT_EQ(heraldd_->Stop(), 0); }

  RunResult Ctl(std::vector<std::string> args) {
    args.insert(args.begin(), {HERALDCTL_PATH, "--address", heraldd_->grpc_target()});
    return RunToExit(std::move(args));
  }

  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_.File(name)) << text;
    return dir_.File(name);
  }

  TempDir dir_;
  std::unique_ptr<HeralddProcess> heraldd_;
};

TEST_F(HeraldctlTest, HealthAndServices) {
  RunResult health = Ctl({"health"});
  EXPECT_EQ(health.exit_code, 0) << health.err;
  EXPECT_EQ(health.out, "SERVING\n");
  RunResult services = Ctl({"services"});
  EXPECT_EQ(services.exit_code, 0) << services.err;
  EXPECT_THAT(services.out, HasSubstr("herald.v1.ProfileService\n"));
  EXPECT_THAT(services.out, HasSubstr("herald.v1.NotificationService\n"));
}

TEST_F(HeraldctlTest, ProfileLifecycleFromJsonFiles) {
  const std::string anna = Write("anna.json", R"({
    "customer_id": "anna",
    "display_name": "Anna de Vries",
    "email": "anna@example.nl",
    "phone": "+31 6 12345678",
    "locale": "nl",
    "time_zone": "Europe/Amsterdam",
    "preferred_channels": ["CHANNEL_SMS", "CHANNEL_EMAIL"],
    "consents": [{"category": "CATEGORY_SURVEY", "channel": "CHANNEL_EMAIL",
                  "state": "CONSENT_STATE_GRANTED", "source": "web"}]
  })");
  RunResult created = Ctl({"profile", "create", "--file", anna});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_THAT(created.out, HasSubstr("\"phone\": \"+31612345678\""));

  const std::string patch =
      Write("patch.json", R"({"customer_id": "anna", "email": "anna@example.be"})");
  RunResult updated = Ctl({"profile", "update", "--file", patch, "--mask", "email"});
  ASSERT_EQ(updated.exit_code, 0) << updated.err;
  RunResult got = Ctl({"profile", "get", "anna"});
  ASSERT_EQ(got.exit_code, 0) << got.err;
  EXPECT_THAT(got.out, HasSubstr("\"email\": \"anna@example.be\""));
  EXPECT_THAT(got.out, HasSubstr("\"source\": \"web\""));

  RunResult deleted = Ctl({"profile", "delete", "anna"});
  EXPECT_EQ(deleted.exit_code, 0) << deleted.err;
  RunResult gone = Ctl({"profile", "get", "anna"});
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_THAT(gone.err, HasSubstr("NOT_FOUND: profile \"anna\" not found"));
}

TEST_F(HeraldctlTest, ProblemsAreReportedWithTheirCause) {
  const std::string bad =
      Write("bad.json", R"({"customer_id": "bob", "time_zone": "Europe/Amsterdm"})");
  RunResult invalid = Ctl({"profile", "create", "--file", bad});
  EXPECT_EQ(invalid.exit_code, 1);
  EXPECT_THAT(invalid.err, HasSubstr("INVALID_ARGUMENT: profile.time_zone"));

  const std::string typo = Write("typo.json", R"({"customer_id": "bob", "emial": "x"})");
  RunResult not_json = Ctl({"profile", "create", "--file", typo});
  EXPECT_EQ(not_json.exit_code, 2);
  EXPECT_THAT(not_json.err, HasSubstr("emial"));

  RunResult unreachable =
      RunToExit({HERALDCTL_PATH, "--address", "127.0.0.1:1", "--timeout", "2", "health"});
  EXPECT_EQ(unreachable.exit_code, 3);
  EXPECT_THAT(unreachable.err, HasSubstr("UNAVAILABLE"));
}

}  // namespace
}  // namespace herald::testing
