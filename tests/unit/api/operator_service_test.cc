// OperatorService.ResolveNotification: an UNKNOWN notification recorded as the provider
// says, SENT or FAILED, with the reason in its history; nothing else is resolved.
#include <gmock/gmock.h>

#include "tests/unit/api/service_fixture.h"
#include "tests/unit/store/store_test_data.h"

namespace herald::api {
namespace {

using ::testing::HasSubstr;

class OperatorServiceTest : public ServiceFixture {
 protected:
  grpc::Status Resolve(const std::string& id, bool sent, const std::string& reason,
                       v1::ResolveNotificationResponse& response) {
    v1::ResolveNotificationRequest request;
    request.set_notification_id(id);
    request.set_sent(sent);
    request.set_reason(reason);
    return operator_stub_->ResolveNotification(Context().get(), request, &response);
  }
};

TEST_F(OperatorServiceTest, AnUnknownNotificationIsResolvedAsTheProviderSays) {
  using core::NotificationState;
  ASSERT_TRUE(store_
                  ->RecordIntake({store::testing::Item("e-1", "anna", NotificationState::kUnknown),
                                  store::testing::Item("e-2", "bert", NotificationState::kUnknown),
                                  store::testing::Item("e-3", "cara", NotificationState::kQueued)})
                  .ok());
  v1::ResolveNotificationResponse response;
  grpc::Status status = Resolve("n-e-1", true, "provider log shows it delivered", response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.notification().state(), v1::NOTIFICATION_STATE_SENT);
  EXPECT_THAT(
      response.notification().history().rbegin()->detail(),
      ::testing::MatchesRegex("resolved as sent by api-key:.*: provider log shows it delivered"));

  status = Resolve("n-e-2", false, "not in the provider's log", response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.notification().state(), v1::NOTIFICATION_STATE_FAILED);

  status = Resolve("n-e-3", true, "wrong one", response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(),
            "notification n-e-3 is QUEUED; only UNKNOWN can be resolved as sent");
  status = Resolve("n-e-1", false, "   ", response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("reason: must say why"));
  status = Resolve("", false, "x", response);
  EXPECT_EQ(status.error_message(), "notification_id: must be set");
}

}  // namespace
}  // namespace herald::api
