// Kill switches against a real heraldd and a real SMS provider (an HTTP server): a
// template paused while its events flow sends nothing, holds what was QUEUED at once and
// everything after DEFERRED PAUSED (the explain names who paused it, when and why), stays
// paused across a restart, and on resume sends each once, in order, within its cap.
#include <gmock/gmock.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include "herald/v1/audit_service.grpc.pb.h"
#include "herald/v1/key_service.grpc.pb.h"
#include "herald/v1/notification_service.grpc.pb.h"
#include "herald/v1/operator_service.grpc.pb.h"
#include "tests/integration/api_calls.h"
#include "tests/integration/heraldd_process.h"
#include "tests/integration/sms_sink.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace herald::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class PauseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Start();
    auto keys = v1::KeyService::NewStub(heraldd_->Channel());
    v1::CreateApiKeyRequest key;
    key.mutable_api_key()->set_name("night-shift");
    key.mutable_api_key()->set_role(v1::ROLE_OPERATOR);
    v1::CreateApiKeyResponse made;
    ASSERT_TRUE(keys->CreateApiKey(Context().get(), key, &made).ok());
    token_ = made.token();
    operator_ = v1::OperatorService::NewStub(heraldd_->Channel(token_));

    for (const auto& [name, type] : {std::pair{"order-shipped", "order.shipped"},
                                     std::pair{"order-delayed", "order.delayed"}}) {
      ASSERT_TRUE(CreateTemplate(*heraldd_, name, type, "Bestelling {{order.order_id}}").ok());
    }
    for (const char* customer : {"anna", "bert"}) {
      ASSERT_TRUE(CreateCustomer(*heraldd_, customer, v1::CHANNEL_SMS).ok());
    }
  }
  void TearDown() override {
    if (heraldd_ != nullptr) EXPECT_EQ(heraldd_->Stop(), 0);
  }

  // At most three order updates a day per customer; a refusal retried in an hour.
  void Start() {
    heraldd_ = std::make_unique<HeralddProcess>(
        dir_.path().string(), dir_.File("herald.db"),
        "policy:\n  quiet_hours: \"off\"\n  global_cap: \"off\"\n"
        "  categories:\n    ORDER_UPDATE:\n      cap: 3/1d\n"
        "sms:\n  provider: generic_json\n  url: " +
            sms_.url("/send") +
            "\n  token: t0k\n  initial_backoff: 1h\n  max_backoff: 1h\n"
            "  breaker_failures: 100\n");
    ASSERT_TRUE(heraldd_->ready()) << heraldd_->process().Stderr();
    operator_ = v1::OperatorService::NewStub(heraldd_->Channel(token_));
  }

  void Publish(const std::string& event_id, const std::string& type, const std::string& customer) {
    grpc::Status status = testing::Publish(*heraldd_, OrderEvent(event_id, customer, type));
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  v1::Notification Of(const std::string& event_id) { return NotificationOf(*heraldd_, event_id); }

  // Until the notification is in `state` with its latest decision's `reason` ("": any).
  bool Reaches(const std::string& event_id, v1::NotificationState state,
               const std::string& reason = "") {
    return WaitFor(
        [&] {
          const v1::Notification n = Of(event_id);
          return n.state() == state && (reason.empty() || n.decision().reason() == reason);
        },
        std::chrono::seconds(30), std::chrono::milliseconds(50));
  }

  // The SMS provider's answers to a notification's requests.
  std::vector<int> Requests(const std::string& event_id) {
    const std::string id = Of(event_id).notification_id();
    std::vector<int> statuses;
    for (const SmsSink::Seen& seen : sms_.seen()) {
      if (seen.idempotency_key == id) statuses.push_back(seen.status);
    }
    return statuses;
  }

  TempDir dir_;
  SmsSink sms_;
  std::string token_;
  std::unique_ptr<HeralddProcess> heraldd_;
  std::unique_ptr<v1::OperatorService::Stub> operator_;
};

TEST_F(PauseTest, APausedTemplateSendsNothingUntilResumedThenEachOnceInOrderWithinItsCap) {
  sms_.Answer({{503}});  // the first is refused for now: QUEUED again, in an hour
  Publish("ord-0", "order.shipped", "anna");
  ASSERT_TRUE(WaitFor(
      [&] {
        const v1::Notification n = Of("ord-0");
        return n.state() == v1::NOTIFICATION_STATE_QUEUED && n.attempts_size() == 1;
      },
      std::chrono::seconds(30), std::chrono::milliseconds(50)))
      << heraldd_->process().Stderr();

  v1::PauseSendingRequest pause;
  pause.mutable_scope()->set_template_name("order-shipped");
  pause.set_reason("wrong delivery date in the text");
  v1::PauseSendingResponse paused;
  grpc::Status status = operator_->PauseSending(Context().get(), pause, &paused);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(paused.held_count(), 1) << "the QUEUED one, at once";
  EXPECT_THAT(paused.pause().paused_by(), ::testing::StartsWith("api-key:"));
  EXPECT_EQ(Of("ord-0").decision().reason(), "PAUSED");

  // Events keep coming: each is held, and another template still goes.
  for (const char* id : {"ord-1", "ord-2", "ord-3", "ord-4"}) Publish(id, "order.shipped", "anna");
  Publish("late-1", "order.delayed", "bert");
  ASSERT_TRUE(Reaches("late-1", v1::NOTIFICATION_STATE_SENT)) << heraldd_->process().Stderr();
  for (const char* id : {"ord-1", "ord-2", "ord-3", "ord-4"}) {
    ASSERT_TRUE(Reaches(id, v1::NOTIFICATION_STATE_DEFERRED, "PAUSED"))
        << id << heraldd_->process().Stderr();
  }
  const v1::Notification held = Of("ord-1");
  EXPECT_THAT(held.decision().detail(), HasSubstr("template order-shipped paused by api-key:"));
  EXPECT_THAT(held.decision().detail(), HasSubstr(": wrong delivery date in the text"));
  auto notifications = v1::NotificationService::NewStub(heraldd_->Channel());
  v1::ExplainNotificationRequest explain;
  explain.set_notification_id(held.notification_id());
  v1::ExplainNotificationResponse why;
  ASSERT_TRUE(notifications->ExplainNotification(Context().get(), explain, &why).ok());
  EXPECT_THAT(why.summary(), HasSubstr("template order-shipped paused by api-key:"));

  // Pausing it again says by whom; a template that does not exist is not "paused".
  status = operator_->PauseSending(Context().get(), pause, &paused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(status.error_message(), HasSubstr("template order-shipped is already paused (by "));
  v1::PauseSendingRequest typo = pause;
  typo.mutable_scope()->set_template_name("order-shiped");
  status = operator_->PauseSending(Context().get(), typo, &paused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "scope.template_name: no template is named \"order-shiped\"");

  // A restart keeps the pause, and honours it from the first decision.
  ASSERT_EQ(heraldd_->Stop(), 0);
  Start();
  v1::ListPausesResponse pauses;
  ASSERT_TRUE(operator_->ListPauses(Context().get(), v1::ListPausesRequest(), &pauses).ok());
  ASSERT_EQ(pauses.pauses_size(), 1);
  EXPECT_EQ(pauses.pauses(0).scope().template_name(), "order-shipped");
  EXPECT_EQ(pauses.pauses(0).reason(), "wrong delivery date in the text");
  Publish("ord-5", "order.shipped", "anna");
  ASSERT_TRUE(Reaches("ord-5", v1::NOTIFICATION_STATE_DEFERRED, "PAUSED"))
      << heraldd_->process().Stderr();
  for (const char* id : {"ord-1", "ord-2", "ord-3", "ord-4", "ord-5"}) {
    EXPECT_THAT(Requests(id), IsEmpty()) << id << " was sent while paused";
  }
  EXPECT_EQ(heraldd_->Metric("herald_pauses", "scope=\"TEMPLATE\""), 1);

  v1::ResumeSendingRequest resume;
  resume.mutable_scope()->set_template_name("order-shipped");
  resume.set_reason("text fixed");
  v1::ResumeSendingResponse resumed;
  status = operator_->ResumeSending(Context().get(), resume, &resumed);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(resumed.released_count(), 6);
  EXPECT_EQ(resumed.pause().reason(), "wrong delivery date in the text");

  // In the order they came, the cap of three a day counting ord-0 (whose retry waited).
  for (const char* id : {"ord-0", "ord-1", "ord-2"}) {
    ASSERT_TRUE(Reaches(id, v1::NOTIFICATION_STATE_SENT)) << id << heraldd_->process().Stderr();
  }
  for (const char* id : {"ord-3", "ord-4", "ord-5"}) {
    ASSERT_TRUE(Reaches(id, v1::NOTIFICATION_STATE_DEFERRED, "FREQUENCY_CAP"))
        << id << heraldd_->process().Stderr();
    EXPECT_THAT(Requests(id), IsEmpty());
  }
  EXPECT_THAT(Requests("ord-0"), ElementsAre(503, 200)) << "the same idempotency key, once more";
  EXPECT_THAT(Requests("ord-1"), ElementsAre(200));
  EXPECT_THAT(Requests("ord-2"), ElementsAre(200));

  status = operator_->ResumeSending(Context().get(), resume, &resumed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "template order-shipped is not paused");

  auto audit = v1::AuditService::NewStub(heraldd_->Channel());
  for (const char* method : {"OperatorService.PauseSending", "OperatorService.ResumeSending"}) {
    v1::ListAuditRecordsRequest records;
    records.mutable_filter()->set_method(method);
    v1::ListAuditRecordsResponse found;
    ASSERT_TRUE(audit->ListAuditRecords(Context().get(), records, &found).ok());
    ASSERT_EQ(found.audit_records_size(), 1) << method;
    EXPECT_EQ(found.audit_records(0).resource(), "pauses/TEMPLATE/order-shipped");
  }
}

TEST_F(PauseTest, AChannelPauseHoldsEveryTemplateOnItAndAScopeMustBeNamed) {
  v1::PauseSendingRequest pause;
  pause.mutable_scope()->set_channel(v1::CHANNEL_SMS);
  pause.set_reason("provider outage");
  v1::PauseSendingResponse paused;
  ASSERT_TRUE(operator_->PauseSending(Context().get(), pause, &paused).ok());
  Publish("ord-1", "order.shipped", "anna");
  Publish("late-1", "order.delayed", "bert");
  for (const char* id : {"ord-1", "late-1"}) {
    ASSERT_TRUE(Reaches(id, v1::NOTIFICATION_STATE_DEFERRED, "PAUSED"))
        << id << heraldd_->process().Stderr();
  }
  EXPECT_THAT(Of("late-1").decision().detail(), HasSubstr("channel SMS paused by api-key:"));

  v1::ResumeSendingRequest resume;
  resume.mutable_scope()->set_channel(v1::CHANNEL_SMS);
  resume.set_reason("provider back");
  v1::ResumeSendingResponse resumed;
  ASSERT_TRUE(operator_->ResumeSending(Context().get(), resume, &resumed).ok());
  EXPECT_EQ(resumed.released_count(), 2);
  for (const char* id : {"ord-1", "late-1"}) {
    ASSERT_TRUE(Reaches(id, v1::NOTIFICATION_STATE_SENT)) << id << heraldd_->process().Stderr();
  }

  pause.clear_scope();
  grpc::Status status = operator_->PauseSending(Context().get(), pause, &paused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "scope: must name all, template_name, category or channel");
  pause.mutable_scope()->set_all(true);
  pause.clear_reason();
  status = operator_->PauseSending(Context().get(), pause, &paused);
  EXPECT_THAT(status.error_message(), HasSubstr("reason: must say why"));
}

}  // namespace
}  // namespace herald::testing
