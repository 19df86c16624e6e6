// The conformance suite's forgetting (PrivacyStore): a customer's content on request,
// everyone's past its retention, and nothing younger or still needed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/store/store_kinds.h"
#include "tests/unit/store/store_test_data.h"

namespace herald::store::testing {
namespace {

using core::NotificationState;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr auto kDay = std::chrono::hours(24);

/// An event for `customer`, its notification decided as `state`, made `age` after the
/// test's epoch.
IntakeItem ItemAt(const std::string& event_id, const std::string& customer, NotificationState state,
                  std::chrono::hours age) {
  IntakeItem item = Item(event_id, customer, state);
  item.record.receive_time = TestEpoch() + age;
  core::Notification& n = item.notifications[0];
  n.create_time = n.update_time = TestEpoch() + age;
  n.send_time = n.create_time;
  n.subject = "order 1234";
  return item;
}

template <typename Kind>
class PrivacyConformance : public ::testing::Test {
 protected:
  std::unique_ptr<Store> Open() { return kind_.Open({}); }

  // Hands the QUEUED notification of `event_id` off with a message to `address`, and
  // records the hand-off SENT with a reply that quotes the address.
  void Send(Store& store, const std::string& event_id, const std::string& address) {
    auto n = store.GetNotification("n-" + event_id);
    ASSERT_TRUE(n.ok()) << n.status();
    core::RenderedMessage message;
    message.channel = core::Channel::kEmail;
    message.address = address;
    message.subject = "Your order, Anna Jansen";
    message.text_body = "Dear Anna Jansen, your order has shipped.";
    message.html_body = "<p>Dear Anna Jansen</p>";
    message.render_time = n->create_time;
    ASSERT_THAT(
        *store.Claim({{n->seq, n->notification_id, 0, n->create_time, message, Named::Of(*n)}}),
        ::testing::ElementsAre(true));
    AttemptUpdate sent;
    sent.notification_seq = n->seq;
    sent.notification_id = n->notification_id;
    sent.named = Named::Of(*n);
    sent.attempt_channel = core::Channel::kEmail;
    sent.attempt = 1;
    sent.end_time = n->create_time + std::chrono::seconds(1);
    sent.result = core::AttemptResult::kAccepted;
    sent.detail = "250 2.0.0 queued for " + address;
    sent.provider_message_id = "m-" + event_id;
    sent.state = NotificationState::kSent;
    ASSERT_THAT(*store.RecordAttempts({sent}), ::testing::ElementsAre(true));
  }

  Kind kind_;
};

TYPED_TEST_SUITE(PrivacyConformance, StoreKinds, StoreKindNames);

TYPED_TEST(PrivacyConformance, ErasureRemovesTheCustomersContentAndNothingElse) {
  auto store = this->Open();
  ASSERT_TRUE(store
                  ->RecordIntake({ItemAt("e-1", "anna", NotificationState::kQueued, {}),
                                  ItemAt("e-2", "bert", NotificationState::kQueued, {}),
                                  ItemAt("e-3", "anna", NotificationState::kQueued, {})})
                  .ok());
  this->Send(*store, "e-1", "anna.jansen@example.nl");
  this->Send(*store, "e-2", "bert@example.nl");
  this->Send(*store, "e-3", "anna.jansen@example.nl");
  const core::Time at = TestEpoch() + kDay;
  auto erased = store->EraseCustomerContent(
      {.customer_id = "anna", .terms = {"anna.jansen@example.nl", "Anna Jansen"}, .at = at});
  ASSERT_TRUE(erased.ok()) << erased.status();
  EXPECT_EQ(*erased, 2);
  auto other = store->GetNotification("n-e-3");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->messages.at(0).address, "");
  EXPECT_THAT(other->attempts.at(0).detail, Not(HasSubstr("anna.jansen")));
  EXPECT_TRUE(other->content_purge.has_value());

  auto anna = store->GetNotification("n-e-1");
  ASSERT_TRUE(anna.ok()) << anna.status();
  EXPECT_EQ(anna->state, NotificationState::kSent);  // what happened stays
  EXPECT_EQ(anna->subject, "");
  ASSERT_EQ(anna->messages.size(), 1u);
  EXPECT_EQ(anna->messages[0].address, "");
  EXPECT_EQ(anna->messages[0].subject, "");
  EXPECT_EQ(anna->messages[0].text_body, "");
  EXPECT_EQ(anna->messages[0].html_body, "");
  ASSERT_EQ(anna->attempts.size(), 1u);
  EXPECT_THAT(anna->attempts[0].detail, Not(HasSubstr("anna.jansen")));
  EXPECT_THAT(anna->attempts[0].detail, HasSubstr("250 2.0.0 queued for"));
  ASSERT_TRUE(anna->content_purge.has_value());
  EXPECT_EQ(anna->content_purge->time, at);
  EXPECT_EQ(anna->content_purge->reason, core::PurgeReason::kErasure);
  EXPECT_EQ(store->GetEvent("e-1")->body, "");

  auto bert = store->GetNotification("n-e-2");
  ASSERT_TRUE(bert.ok());
  EXPECT_EQ(bert->messages.at(0).address, "bert@example.nl");
  EXPECT_EQ(bert->subject, "order 1234");
  EXPECT_FALSE(bert->content_purge.has_value());
  EXPECT_EQ(store->GetEvent("e-2")->body, Item("e-2", "bert").record.body);

  // Again: nothing more to do, and the first erasure's time stays.
  auto again = store->EraseCustomerContent(
      {.customer_id = "anna", .terms = {}, .at = at + std::chrono::hours(1)});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, 0);
  EXPECT_EQ(store->GetNotification("n-e-1")->content_purge->time, at);
}

TYPED_TEST(PrivacyConformance, RetentionPurgesSettledContentPastItsAgeAndNothingYounger) {
  auto store = this->Open();
  ASSERT_TRUE(store
                  ->RecordIntake({ItemAt("old-1", "anna", NotificationState::kQueued, {}),
                                  ItemAt("old-2", "bert", NotificationState::kSuppressed, {}),
                                  ItemAt("old-queued", "cleo", NotificationState::kQueued, {}),
                                  ItemAt("young", "dirk", NotificationState::kQueued, 100 * kDay)})
                  .ok());
  this->Send(*store, "old-1", "anna@example.nl");
  this->Send(*store, "young", "dirk@example.nl");
  const core::Time before = TestEpoch() + 90 * kDay;
  const core::Time now = TestEpoch() + 101 * kDay;
  // In batches of one: the two old settled ones, then nothing.
  EXPECT_EQ(*store->PurgeContent(before, now, 1), 1);
  EXPECT_EQ(*store->PurgeContent(before, now, 1), 1);
  EXPECT_EQ(*store->PurgeContent(before, now, 1), 0);

  auto old = store->GetNotification("n-old-1");
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->messages.at(0).address, "");
  EXPECT_EQ(old->messages.at(0).text_body, "");
  ASSERT_TRUE(old->content_purge.has_value());
  EXPECT_EQ(old->content_purge->reason, core::PurgeReason::kRetention);
  EXPECT_EQ(old->content_purge->time, now);
  EXPECT_EQ(store->GetEvent("old-1")->body, "");
  EXPECT_TRUE(store->GetNotification("n-old-2")->content_purge.has_value());

  // Still to be sent: kept whole, with its event.
  EXPECT_FALSE(store->GetNotification("n-old-queued")->content_purge.has_value());
  EXPECT_NE(store->GetEvent("old-queued")->body, "");
  // Younger than the retention: kept whole.
  auto young = store->GetNotification("n-young");
  ASSERT_TRUE(young.ok());
  EXPECT_FALSE(young->content_purge.has_value());
  EXPECT_EQ(young->messages.at(0).address, "dirk@example.nl");
  EXPECT_EQ(young->messages.at(0).text_body, "Dear Anna Jansen, your order has shipped.");
  EXPECT_NE(store->GetEvent("young")->body, "");
}

TYPED_TEST(PrivacyConformance, RetentionDeletesSettledNotificationsPastTheirAgeWithTheirEvents) {
  auto store = this->Open();
  ASSERT_TRUE(
      store
          ->RecordIntake({ItemAt("old-1", "anna", NotificationState::kQueued, {}),
                          ItemAt("old-2", "bert", NotificationState::kSuppressed, {}),
                          ItemAt("old-queued", "cleo", NotificationState::kQueued, {}),
                          ItemAt("young", "dirk", NotificationState::kSuppressed, 500 * kDay)})
          .ok());
  this->Send(*store, "old-1", "anna@example.nl");
  const core::Time before = TestEpoch() + 400 * kDay;
  EXPECT_EQ(*store->DeleteNotifications(before, 10), 2);
  EXPECT_EQ(*store->DeleteNotifications(before, 10), 0);
  for (const char* gone : {"old-1", "old-2"}) {
    EXPECT_EQ(store->GetNotification(std::string("n-") + gone).status().code(),
              absl::StatusCode::kNotFound)
        << gone;
    EXPECT_EQ(store->GetEvent(gone).status().code(), absl::StatusCode::kNotFound) << gone;
  }
  EXPECT_TRUE(store->GetNotification("n-old-queued").ok());
  EXPECT_TRUE(store->GetNotification("n-young").ok());
  EXPECT_TRUE(store->GetEvent("young").ok());
  // A receipt for a deleted message finds nothing to change.
  auto receipt = store->ApplyReceipt({.channel = core::Channel::kEmail,
                                      .provider_message_id = "m-old-1",
                                      .state = NotificationState::kDelivered,
                                      .time = before,
                                      .detail = "late"});
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  EXPECT_NE(receipt->outcome, ReceiptResult::Outcome::kApplied);
}

}  // namespace
}  // namespace herald::store::testing
