#include <gmock/gmock.h>

#include "services/api/page_token.h"
#include "tests/unit/api/service_fixture.h"
#include "tests/unit/ingest/event_fixtures.h"

namespace herald::api {
namespace {

using ::testing::HasSubstr;
using testing::TestEpoch;

class EventServiceTest : public ServiceFixture {
 protected:
  void SetUp() override {
    ServiceFixture::SetUp();
    v1::CreateProfileRequest create;
    create.mutable_profile()->set_customer_id("c1");
    create.mutable_profile()->set_email("c1@example.nl");
    v1::CreateProfileResponse created;
    ASSERT_TRUE(profile_stub_->CreateProfile(Context().get(), create, &created).ok());
  }

  grpc::Status Publish(const v1::Event& event, v1::PublishEventResponse* response) {
    v1::PublishEventRequest request;
    *request.mutable_event() = event;
    return event_stub_->PublishEvent(Context().get(), request, response);
  }

  std::vector<v1::Notification> List(const v1::NotificationFilter& filter, int page_size = 0) {
    std::vector<v1::Notification> all;
    v1::ListNotificationsRequest request;
    *request.mutable_filter() = filter;
    request.set_page_size(page_size);
    do {
      v1::ListNotificationsResponse response;
      grpc::Status status =
          notification_stub_->ListNotifications(Context().get(), request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      all.insert(all.end(), response.notifications().begin(), response.notifications().end());
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
    return all;
  }
};

TEST_F(EventServiceTest, APublishedEventIsRecordedOnceAndListed) {
  v1::PublishEventResponse response;
  ASSERT_TRUE(Publish(testing::OrderShipped("e1", "c1", TestEpoch()), &response).ok());
  EXPECT_EQ(response.event_id(), "e1");
  EXPECT_FALSE(response.duplicate());
  EXPECT_EQ(response.customer_count(), 1);
  ASSERT_TRUE(Publish(testing::OrderShipped("e1", "c1", TestEpoch()), &response).ok());
  EXPECT_TRUE(response.duplicate());

  v1::NotificationFilter filter;
  filter.set_customer_id("c1");
  auto listed = List(filter);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].event_id(), "e1");
  // Decided as it was recorded: no template is triggered by order.shipped here.
  EXPECT_EQ(listed[0].state(), v1::NOTIFICATION_STATE_SUPPRESSED);
  EXPECT_EQ(listed[0].decision().reason(), "NO_TEMPLATE");

  v1::GetNotificationRequest get;
  get.set_notification_id(listed[0].notification_id());
  v1::GetNotificationResponse got;
  ASSERT_TRUE(notification_stub_->GetNotification(Context().get(), get, &got).ok());
  EXPECT_EQ(got.notification().customer_id(), "c1");
}

TEST_F(EventServiceTest, InvalidEventsAreRefusedNamingTheField) {
  v1::Event event = testing::OrderShipped("e2", "c1", TestEpoch());
  event.clear_occur_time();
  v1::PublishEventResponse response;
  grpc::Status status = Publish(event, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "event.occur_time: must be set");

  status = Publish(testing::OrderShipped("e3", "stranger", TestEpoch()), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("\"stranger\" has no profile"));

  v1::PublishEventRequest empty;
  status = event_stub_->PublishEvent(Context().get(), empty, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(EventServiceTest, ABatchReportsEachEventAndAnOutageFansOut) {
  std::vector<std::string> customers;
  for (int i = 0; i < 120; ++i) customers.push_back("cust-" + std::to_string(i));
  v1::BatchPublishEventsRequest request;
  *request.add_events() = testing::Outage("outage-1", customers, TestEpoch());
  *request.add_events() = testing::OrderShipped("", "c1", TestEpoch());
  v1::BatchPublishEventsResponse response;
  ASSERT_TRUE(event_stub_->BatchPublishEvents(Context().get(), request, &response).ok());
  ASSERT_EQ(response.results_size(), 2);
  EXPECT_EQ(response.results(0).code(), 0);
  EXPECT_EQ(response.results(1).code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(response.results(1).message(), "events[1]: event.event_id: must be set");

  v1::NotificationFilter filter;
  filter.set_event_id("outage-1");
  EXPECT_EQ(List(filter, 50).size(), 120u);  // three pages
  filter.add_states(v1::NOTIFICATION_STATE_SENT);
  EXPECT_TRUE(List(filter).empty());
}

TEST_F(EventServiceTest, BadFiltersAndTokensAreInvalidArgument) {
  v1::ListNotificationsRequest request;
  request.mutable_filter()->set_customer_id("not valid");
  v1::ListNotificationsResponse response;
  grpc::Status status = notification_stub_->ListNotifications(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("filter.customer_id"));
  request.Clear();
  request.set_page_token(EncodePageToken("notifications", "not-a-key"));
  status = notification_stub_->ListNotifications(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("page_token"));
}

}  // namespace
}  // namespace herald::api
