// A config reload against a real heraldd and a real SMS provider (an HTTP server): on
// AdminService.ReloadConfig or SIGHUP the policy and the channels' pacing change without
// a restart, the decisions after it name the new version, and a bad file, or one that
// changes what only a restart applies, is refused with its reason while the old policy
// still applies.
#include <gmock/gmock.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <sstream>

#include "herald/v1/admin_service.grpc.pb.h"
#include "herald/v1/audit_service.grpc.pb.h"
#include "herald/v1/notification_service.grpc.pb.h"
#include "tests/integration/api_calls.h"
#include "tests/integration/heraldd_process.h"
#include "tests/integration/sms_sink.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace herald::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

class ReloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    heraldd_ = std::make_unique<HeralddProcess>(dir_.path().string(), dir_.File("herald.db"),
                                                Policy("1/1d") + Sms("50"));
    ASSERT_TRUE(heraldd_->ready()) << heraldd_->process().Stderr();
    admin_ = v1::AdminService::NewStub(heraldd_->Channel());
    ASSERT_TRUE(CreateTemplate(*heraldd_, "order-shipped", "order.shipped",
                               "Bestelling {{order.order_id}} is onderweg")
                    .ok());
    ASSERT_TRUE(CreateCustomer(*heraldd_, "anna", v1::CHANNEL_SMS).ok());
  }
  void TearDown() override {
    if (heraldd_ != nullptr) EXPECT_EQ(heraldd_->Stop(), 0);
  }

  static std::string Policy(const std::string& cap) {
    return "policy:\n  quiet_hours: \"off\"\n  global_cap: \"off\"\n"
           "  categories:\n    ORDER_UPDATE:\n      cap: " +
           cap + "\n";
  }
  std::string Sms(const std::string& rate) {
    return "sms:\n  provider: generic_json\n  url: " + sms_.url("/send") +
           "\n  token: t0k\n  rate_per_second: " + rate + "\n";
  }

  // The config file heraldd runs with, with `from` replaced by `to`.
  void Edit(const std::string& from, const std::string& to) {
    const std::string path = dir_.File("heraldd.yaml");
    std::stringstream text;
    text << std::ifstream(path).rdbuf();
    std::string yaml = text.str();
    const size_t at = yaml.find(from);
    ASSERT_NE(at, std::string::npos) << from << " not in\n" << yaml;
    yaml.replace(at, from.size(), to);
    std::ofstream(path) << yaml;
  }

  grpc::Status Reload(v1::ReloadConfigResponse& response) {
    return admin_->ReloadConfig(Context().get(), v1::ReloadConfigRequest(), &response);
  }

  void Ship(const std::string& event_id) {
    grpc::Status status = Publish(*heraldd_, OrderEvent(event_id, "anna"));
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  v1::Notification Of(const std::string& event_id) { return NotificationOf(*heraldd_, event_id); }

  bool Reaches(const std::string& event_id, v1::NotificationState state) {
    return WaitFor([&] { return Of(event_id).state() == state; }, std::chrono::seconds(30),
                   std::chrono::milliseconds(50));
  }

  TempDir dir_;
  SmsSink sms_;
  std::unique_ptr<HeralddProcess> heraldd_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
};

TEST_F(ReloadTest, APolicyReloadAppliesToTheNextDecisionsWhichNameItsVersion) {
  Ship("ord-1");
  ASSERT_TRUE(Reaches("ord-1", v1::NOTIFICATION_STATE_SENT)) << heraldd_->process().Stderr();
  const std::string first = Of("ord-1").decision().config_version();
  EXPECT_THAT(first, MatchesRegex("[0-9a-f]{12}"));
  EXPECT_EQ(heraldd_->Metric("herald_config_info", "version=\"" + first + "\""), 1);

  // Nothing changed: the same version, nothing applied.
  v1::ReloadConfigResponse response;
  grpc::Status status = Reload(response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.config_version(), first);
  EXPECT_TRUE(response.changed().empty());

  Edit("cap: 1/1d", "cap: 3/1d");
  status = Reload(response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.previous_version(), first);
  EXPECT_NE(response.config_version(), first);
  EXPECT_THAT(response.changed(), ElementsAre("policy"));
  const std::string second = response.config_version();

  // The cap of three lets two more through; the decisions say which config decided.
  Ship("ord-2");
  Ship("ord-3");
  Ship("ord-4");
  for (const char* id : {"ord-2", "ord-3"}) {
    ASSERT_TRUE(Reaches(id, v1::NOTIFICATION_STATE_SENT)) << id << heraldd_->process().Stderr();
    EXPECT_EQ(Of(id).decision().config_version(), second);
  }
  ASSERT_TRUE(Reaches("ord-4", v1::NOTIFICATION_STATE_DEFERRED));
  EXPECT_EQ(Of("ord-4").decision().rule(), "ORDER_UPDATE cap 3/1d");
  auto notifications = v1::NotificationService::NewStub(heraldd_->Channel());
  v1::ExplainNotificationRequest explain;
  explain.set_notification_id(Of("ord-2").notification_id());
  v1::ExplainNotificationResponse why;
  ASSERT_TRUE(notifications->ExplainNotification(Context().get(), explain, &why).ok());
  EXPECT_THAT(why.summary(), HasSubstr("(config " + second + ")"));

  // SIGHUP does the same: the SMS rate changes.
  Edit("rate_per_second: 50", "rate_per_second: 5");
  heraldd_->process().Signal(SIGHUP);
  EXPECT_TRUE(WaitFor(
      [&] { return heraldd_->Metric("herald_config_reloads_total", "result=\"applied\"") == 2; },
      std::chrono::seconds(20), std::chrono::milliseconds(50)));
  EXPECT_THAT(heraldd_->process().Stderr(), HasSubstr("changed=\"sms\""));
  EXPECT_EQ(heraldd_->Metric("herald_config_info", "version=\"" + second + "\""), 0);

  auto audit = v1::AuditService::NewStub(heraldd_->Channel());
  v1::ListAuditRecordsRequest records;
  records.mutable_filter()->set_method("AdminService.ReloadConfig");
  v1::ListAuditRecordsResponse found;
  ASSERT_TRUE(audit->ListAuditRecords(Context().get(), records, &found).ok());
  ASSERT_EQ(found.audit_records_size(), 1) << "the call that changed the version";
  EXPECT_THAT(found.audit_records(0).before_sha256(), ::testing::StartsWith(first));
  EXPECT_THAT(found.audit_records(0).after_sha256(), ::testing::StartsWith(second));
}

TEST_F(ReloadTest, ABadReloadIsRefusedWithItsReasonAndTheOldPolicyStillApplies) {
  Ship("ord-1");
  ASSERT_TRUE(Reaches("ord-1", v1::NOTIFICATION_STATE_SENT)) << heraldd_->process().Stderr();
  const std::string first = Of("ord-1").decision().config_version();

  Edit("cap: 1/1d", "cap: lots");
  v1::ReloadConfigResponse response;
  grpc::Status status = Reload(response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("policy.categories.ORDER_UPDATE.cap"));
  EXPECT_THAT(status.error_message(), HasSubstr("\"lots\" is not a cap"));
  EXPECT_THAT(status.error_message(),
              HasSubstr("the config in force stays (version " + first + ")"));

  // What only a restart applies is refused too, with the section named.
  Edit("cap: lots", "cap: 3/1d");
  Edit("  token: t0k\n", "  token: t0k\n  timeout: 7s\n");
  Edit("store:\n", "compose:\n  max_sms_segments: 2\nstore:\n");
  status = Reload(response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(),
              HasSubstr("changed settings only a restart applies: compose, sms"));

  // The old cap (1/1d) still holds, under the old version.
  Ship("ord-2");
  ASSERT_TRUE(Reaches("ord-2", v1::NOTIFICATION_STATE_DEFERRED)) << heraldd_->process().Stderr();
  EXPECT_EQ(Of("ord-2").decision().rule(), "ORDER_UPDATE cap 1/1d");
  EXPECT_EQ(Of("ord-2").decision().config_version(), first);
  EXPECT_EQ(heraldd_->Metric("herald_config_reloads_total", "result=\"refused\""), 2);
  EXPECT_EQ(heraldd_->Metric("herald_config_info", "version=\"" + first + "\""), 1);
  EXPECT_THAT(heraldd_->process().Stderr(),
              HasSubstr("msg=\"config not reloaded; the one in force stays\" version=" + first));
}

}  // namespace
}  // namespace herald::testing
