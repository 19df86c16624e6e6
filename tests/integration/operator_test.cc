// Operators' actions against a real heraldd and a real SMS provider (an HTTP server):
// a FAILED notification retried and sent once more under the same idempotency key, a
// QUEUED one cancelled and never sent, a bulk retry whose dry run counts exactly what
// the real one changes, and every refusal naming what is wrong. Each change is in the
// notification's history and the audit trail.
#include <gmock/gmock.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include "herald/v1/audit_service.grpc.pb.h"
#include "herald/v1/event_service.grpc.pb.h"
#include "herald/v1/key_service.grpc.pb.h"
#include "herald/v1/notification_service.grpc.pb.h"
#include "herald/v1/operator_service.grpc.pb.h"
#include "herald/v1/profile_service.grpc.pb.h"
#include "herald/v1/template_service.grpc.pb.h"
#include "tests/integration/api_calls.h"
#include "tests/integration/heraldd_process.h"
#include "tests/integration/sms_sink.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace herald::testing {
namespace {

using ::testing::HasSubstr;

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return context;
}

class OperatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A retryable refusal waits an hour: what is QUEUED stays so until an operator acts.
    heraldd_ = std::make_unique<HeralddProcess>(
        dir_.path().string(), dir_.File("herald.db"),
        "policy:\n  quiet_hours: \"off\"\n  global_cap: \"off\"\n"
        "sms:\n  provider: generic_json\n  url: " +
            sms_.url("/send") +
            "\n  token: t0k\n  initial_backoff: 1h\n  max_backoff: 1h\n"
            "  breaker_failures: 100\n");
    ASSERT_TRUE(heraldd_->ready()) << heraldd_->process().Stderr();
    auto keys = v1::KeyService::NewStub(heraldd_->Channel());
    v1::CreateApiKeyRequest key;
    key.mutable_api_key()->set_name("night-shift");
    key.mutable_api_key()->set_role(v1::ROLE_OPERATOR);
    v1::CreateApiKeyResponse made;
    ASSERT_TRUE(keys->CreateApiKey(Context().get(), key, &made).ok());
    operator_ = v1::OperatorService::NewStub(heraldd_->Channel(made.token()));

    auto templates = v1::TemplateService::NewStub(heraldd_->Channel());
    v1::CreateTemplateRequest request;
    v1::Template* t = request.mutable_template_();
    t->set_name("order-shipped");
    t->set_category(v1::CATEGORY_ORDER_UPDATE);
    t->add_event_types("order.shipped");
    t->set_default_locale("nl");
    v1::LocalizedContent* nl = t->add_contents();
    nl->set_locale("nl");
    nl->mutable_sms()->set_text("Bestelling {{order.order_id}} is onderweg");
    v1::CreateTemplateResponse created;
    ASSERT_TRUE(templates->CreateTemplate(Context().get(), request, &created).ok());
    auto profiles = v1::ProfileService::NewStub(heraldd_->Channel());
    v1::CreateProfileRequest anna;
    anna.mutable_profile()->set_customer_id("anna");
    anna.mutable_profile()->set_phone("+31612345678");
    anna.mutable_profile()->add_preferred_channels(v1::CHANNEL_SMS);
    v1::CreateProfileResponse profile;
    ASSERT_TRUE(profiles->CreateProfile(Context().get(), anna, &profile).ok());
  }
  void TearDown() override {
    if (heraldd_ != nullptr) EXPECT_EQ(heraldd_->Stop(), 0);
  }

  void Ship(const std::string& event_id) {
    auto stub = v1::EventService::NewStub(heraldd_->Channel());
    v1::PublishEventRequest request;
    v1::Event* e = request.mutable_event();
    e->set_event_id(event_id);
    e->set_event_type("order.shipped");
    *e->mutable_occur_time() = google::protobuf::util::TimeUtil::GetCurrentTime();
    e->set_customer_id("anna");
    e->mutable_order()->set_order_id(event_id);
    v1::PublishEventResponse response;
    grpc::Status status = stub->PublishEvent(Context().get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  v1::Notification Of(const std::string& event_id) { return NotificationOf(*heraldd_, event_id); }

  bool Reaches(const std::string& event_id, v1::NotificationState state) {
    return WaitFor([&] { return Of(event_id).state() == state; }, std::chrono::seconds(30),
                   std::chrono::milliseconds(50));
  }

  // The SMS requests made for a notification (the idempotency key is its id).
  std::vector<int> Requests(const std::string& notification_id) {
    std::vector<int> statuses;
    for (const SmsSink::Seen& seen : sms_.seen()) {
      if (seen.idempotency_key == notification_id) statuses.push_back(seen.status);
    }
    return statuses;
  }

  TempDir dir_;
  SmsSink sms_;
  std::unique_ptr<HeralddProcess> heraldd_;
  std::unique_ptr<v1::OperatorService::Stub> operator_;
};

TEST_F(OperatorTest, AFailedNotificationRetriedIsSentUnderTheSameIdAndTheRetryIsRecorded) {
  sms_.Answer({{422}});  // the provider refuses the message once, for good: FAILED
  Ship("ord-1");
  ASSERT_TRUE(Reaches("ord-1", v1::NOTIFICATION_STATE_FAILED)) << heraldd_->process().Stderr();
  const std::string id = Of("ord-1").notification_id();

  v1::RetryNotificationRequest retry;
  retry.set_notification_id(id);
  v1::RetryNotificationResponse retried;
  grpc::Status status = operator_->RetryNotification(Context().get(), retry, &retried);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("reason: must say why"));

  retry.set_reason("provider fixed its validation");
  status = operator_->RetryNotification(Context().get(), retry, &retried);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(retried.notification().state(), v1::NOTIFICATION_STATE_QUEUED);
  ASSERT_TRUE(Reaches("ord-1", v1::NOTIFICATION_STATE_SENT)) << heraldd_->process().Stderr();
  EXPECT_EQ(Requests(id), std::vector<int>({422, 200})) << "the same idempotency key, twice";

  const v1::Notification n = Of("ord-1");
  bool recorded = false;
  for (const auto& h : n.history()) {
    if (h.state() == v1::NOTIFICATION_STATE_QUEUED &&
        h.detail().starts_with("retried by api-key:")) {
      recorded = h.detail().ends_with(": provider fixed its validation");
    }
  }
  EXPECT_TRUE(recorded) << n.DebugString();

  // A SENT notification is not retried again, and the refusal says why.
  status = operator_->RetryNotification(Context().get(), retry, &retried);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(),
            "notification " + id + " is SENT; only FAILED or UNKNOWN can be retried");
  retry.set_notification_id("n-nope");
  EXPECT_EQ(operator_->RetryNotification(Context().get(), retry, &retried).error_code(),
            grpc::StatusCode::NOT_FOUND);

  auto audit = v1::AuditService::NewStub(heraldd_->Channel());
  v1::ListAuditRecordsRequest records;
  records.mutable_filter()->set_method("OperatorService.RetryNotification");
  v1::ListAuditRecordsResponse found;
  ASSERT_TRUE(audit->ListAuditRecords(Context().get(), records, &found).ok());
  ASSERT_EQ(found.audit_records_size(), 1) << "only the change that applied";
  EXPECT_EQ(found.audit_records(0).resource(), "notifications/" + id);
}

TEST_F(OperatorTest, AQueuedNotificationCancelledIsNeverSent) {
  sms_.Answer({{503}});  // refused for now: QUEUED again, in an hour
  Ship("ord-2");
  ASSERT_TRUE(WaitFor(
      [&] {
        const v1::Notification n = Of("ord-2");
        return n.state() == v1::NOTIFICATION_STATE_QUEUED && n.attempts_size() == 1;
      },
      std::chrono::seconds(30), std::chrono::milliseconds(50)))
      << heraldd_->process().Stderr();
  const std::string id = Of("ord-2").notification_id();
  v1::CancelNotificationRequest cancel;
  cancel.set_notification_id(id);
  cancel.set_reason("wrong delivery date in the template");
  v1::CancelNotificationResponse cancelled;
  grpc::Status status = operator_->CancelNotification(Context().get(), cancel, &cancelled);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(cancelled.notification().state(), v1::NOTIFICATION_STATE_CANCELLED);

  // Its retry time moved to now would not send it either: it is no longer QUEUED.
  v1::RetryNotificationRequest retry;
  retry.set_notification_id(id);
  retry.set_reason("no");
  v1::RetryNotificationResponse retried;
  EXPECT_EQ(operator_->RetryNotification(Context().get(), retry, &retried).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Requests(id), std::vector<int>({503}));

  auto stub = v1::NotificationService::NewStub(heraldd_->Channel());
  v1::ExplainNotificationRequest explain;
  explain.set_notification_id(id);
  v1::ExplainNotificationResponse why;
  ASSERT_TRUE(stub->ExplainNotification(Context().get(), explain, &why).ok());
  EXPECT_THAT(why.summary(), HasSubstr("Now CANCELLED: cancelled by api-key:"));
  EXPECT_THAT(why.summary(), HasSubstr(": wrong delivery date in the template at "));
}

TEST_F(OperatorTest, ABulkRetryDoesWhatItsDryRunSaidUpToItsLimit) {
  sms_.Answer({{422}, {422}, {422}});
  for (const char* event : {"ord-b1", "ord-b2", "ord-b3"}) Ship(event);
  for (const char* event : {"ord-b1", "ord-b2", "ord-b3"}) {
    ASSERT_TRUE(Reaches(event, v1::NOTIFICATION_STATE_FAILED)) << heraldd_->process().Stderr();
  }
  v1::BulkChangeNotificationsRequest bulk;
  bulk.set_action(v1::OPERATOR_ACTION_RETRY);
  bulk.mutable_filter()->set_template_name("order-shipped");
  bulk.set_category(v1::CATEGORY_ORDER_UPDATE);
  bulk.set_limit(2);
  bulk.set_dry_run(true);
  bulk.set_reason("provider fixed its validation");
  v1::BulkChangeNotificationsResponse response;
  grpc::Status status = operator_->BulkChangeNotifications(Context().get(), bulk, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.matched(), 2);
  EXPECT_TRUE(response.limit_reached());
  EXPECT_EQ(response.changed(), 0);

  bulk.set_limit(100);
  ASSERT_TRUE(operator_->BulkChangeNotifications(Context().get(), bulk, &response).ok());
  const int64_t would = response.matched();
  EXPECT_EQ(would, 3);
  EXPECT_EQ(Of("ord-b1").state(), v1::NOTIFICATION_STATE_FAILED) << "a dry run changes nothing";

  bulk.set_dry_run(false);
  ASSERT_TRUE(operator_->BulkChangeNotifications(Context().get(), bulk, &response).ok());
  EXPECT_EQ(response.changed(), would);
  EXPECT_FALSE(response.limit_reached());
  for (const char* event : {"ord-b1", "ord-b2", "ord-b3"}) {
    ASSERT_TRUE(Reaches(event, v1::NOTIFICATION_STATE_SENT)) << heraldd_->process().Stderr();
    EXPECT_EQ(Requests(Of(event).notification_id()), std::vector<int>({422, 200}));
  }
  // Nothing left to retry.
  ASSERT_TRUE(operator_->BulkChangeNotifications(Context().get(), bulk, &response).ok());
  EXPECT_EQ(response.matched(), 0);

  // What a bulk change must say is named when it is missing or wrong.
  bulk.mutable_filter()->add_states(v1::NOTIFICATION_STATE_SENT);
  status = operator_->BulkChangeNotifications(Context().get(), bulk, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "filter.states: SENT: only FAILED or UNKNOWN can be retried");
  bulk.clear_filter();
  bulk.set_limit(0);
  status = operator_->BulkChangeNotifications(Context().get(), bulk, &response);
  EXPECT_EQ(status.error_message(), "limit: must be from 1 to 100000");
}

}  // namespace
}  // namespace herald::testing
