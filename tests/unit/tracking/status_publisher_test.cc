// Every state change waits in the store's change log, in order, until the status topic
// has it.
#include "services/tracking/status_publisher.h"

#include "tests/unit/dispatch/dispatch_fixture.h"

namespace herald::dispatch {
namespace {

class StatusOutboxTest : public DispatcherTest {
 protected:
  StatusOutboxTest() { status_outbox_ = true; }

  std::vector<store::StatusChange> Outbox() {
    auto changes = store_->ListStatusOutbox(100);
    EXPECT_TRUE(changes.ok()) << changes.status();
    return changes.ok() ? *changes : std::vector<store::StatusChange>{};
  }
};

TEST_F(StatusOutboxTest, EveryStateChangeWaitsInTheOutboxInTheOrderItHappened) {
  const std::string id = Queue(1)[0];
  auto dispatcher = Make();
  sms_.Then(SendOutcome::kPermanent, "HTTP 400: unknown number");
  EXPECT_EQ(*dispatcher->RunOnce(), 1);  // SMS refused: QUEUED on EMAIL
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_EQ(*dispatcher->RunOnce(), 1);  // accepted by email as p-1
  clock_.Advance(std::chrono::seconds(1));
  auto receipt = store_->ApplyReceipt({.channel = Channel::kEmail,
                                       .provider_message_id = "p-1",
                                       .state = NotificationState::kDelivered,
                                       .time = clock_.Now(),
                                       .detail = "dsn: delivered"});
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  EXPECT_EQ(receipt->outcome, store::ReceiptResult::Outcome::kApplied);

  const std::vector<store::StatusChange> changes = Outbox();
  struct Step {
    NotificationState from;
    NotificationState to;
    std::optional<Channel> channel;
    int attempt;
    std::string provider_message_id;
  };
  const std::vector<Step> expected = {
      {NotificationState::kPending, NotificationState::kQueued, Channel::kSms, 0, ""},
      {NotificationState::kQueued, NotificationState::kSending, Channel::kSms, 1, ""},
      {NotificationState::kSending, NotificationState::kQueued, Channel::kEmail, 1, ""},
      {NotificationState::kQueued, NotificationState::kSending, Channel::kEmail, 2, ""},
      {NotificationState::kSending, NotificationState::kSent, Channel::kEmail, 2, "p-1"},
      {NotificationState::kSent, NotificationState::kDelivered, Channel::kEmail, 2, "p-1"},
  };
  ASSERT_EQ(changes.size(), expected.size());
  for (size_t i = 0; i < changes.size(); ++i) {
    const store::StatusChange& c = changes[i];
    SCOPED_TRACE(i);
    if (i > 0) {
      EXPECT_GT(c.sequence, changes[i - 1].sequence);
    }
    EXPECT_EQ(c.notification_id, id);
    EXPECT_EQ(c.customer_id, "anna");
    EXPECT_EQ(c.event_id, "e-1");
    EXPECT_EQ(c.event_type, "order.shipped");
    EXPECT_EQ(c.template_name, "order-shipped");
    EXPECT_EQ(c.template_version, 1);
    EXPECT_EQ(c.category, core::Category::kOrderUpdate);
    EXPECT_EQ(c.previous_state, expected[i].from);
    EXPECT_EQ(c.state, expected[i].to);
    EXPECT_EQ(c.channel, expected[i].channel);
    EXPECT_EQ(c.attempt, expected[i].attempt);
    EXPECT_EQ(c.provider_message_id, expected[i].provider_message_id);
  }
  EXPECT_EQ(changes[0].reason, "ALLOWED");
  EXPECT_EQ(changes[2].detail, "refused on SMS: HTTP 400: unknown number; next: EMAIL");
  EXPECT_EQ(changes[2].reason, "");
  EXPECT_EQ(changes[5].detail, "receipt: dsn: delivered");
  EXPECT_EQ(changes[5].change_time, clock_.Now());

  // Acknowledged changes are gone; the rest stay, in order.
  ASSERT_TRUE(store_->AckStatusOutbox(changes[2].sequence).ok());
  const std::vector<store::StatusChange> left = Outbox();
  ASSERT_EQ(left.size(), 3u);
  EXPECT_EQ(left[0], changes[3]);
}

TEST_F(StatusOutboxTest, ASuppressedNotificationSaysWhy) {
  auto anna = store_->MutateProfile("anna", [](const core::Profile* p) {
    core::Profile changed = *p;
    for (Channel c : {Channel::kSms, Channel::kEmail}) {
      changed.consents.push_back(
          {core::Category::kOrderUpdate, c, core::ConsentState::kDenied, "test", {}});
    }
    return absl::StatusOr<core::Profile>(changed);
  });
  ASSERT_TRUE(anna.ok()) << anna.status();
  const std::string id = Queue(1)[0];
  const std::vector<store::StatusChange> changes = Outbox();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].notification_id, id);
  EXPECT_EQ(changes[0].state, NotificationState::kSuppressed);
  EXPECT_EQ(changes[0].reason, "NO_CONSENT");
  EXPECT_FALSE(changes[0].detail.empty());
}

TEST_F(DispatcherTest, AStoreWithoutAStatusOutboxKeepsNone) {
  Queue(1);
  auto dispatcher = Make();
  EXPECT_EQ(*dispatcher->RunOnce(), 1);
  auto changes = store_->ListStatusOutbox(100);
  ASSERT_TRUE(changes.ok()) << changes.status();
  EXPECT_TRUE(changes->empty());
}

TEST_F(StatusOutboxTest, ThePublisherForgetsOnlyWhatTheTopicHas) {
  Queue(3);  // three QUEUED changes
  std::vector<std::vector<int64_t>> published;
  absl::Status answer = absl::UnavailableError("broker down");
  tracking::StatusPublisher publisher(
      *store_,
      [&](const std::vector<store::StatusChange>& changes, std::chrono::milliseconds) {
        std::vector<int64_t> sequences;
        for (const auto& c : changes) sequences.push_back(c.sequence);
        published.push_back(sequences);
        return answer;
      },
      clock_, registry_, tracking::StatusPublisher::Options{.max_batch = 2});

  clock_.Advance(std::chrono::seconds(90));
  EXPECT_EQ(publisher.PublishOnce().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Outbox().size(), 3u);  // nothing lost
  EXPECT_EQ(Metric("herald_status_outbox_oldest_seconds"), 90);
  EXPECT_EQ(Metric("herald_status_publish_failures_total"), 1);

  answer = absl::OkStatus();
  EXPECT_EQ(*publisher.PublishOnce(), 2);  // the same two again: at least once
  EXPECT_EQ(*publisher.PublishOnce(), 1);
  EXPECT_EQ(*publisher.PublishOnce(), 0);
  ASSERT_EQ(published.size(), 3u);
  EXPECT_EQ(published[0], published[1]);
  EXPECT_EQ(published[1].size(), 2u);
  ASSERT_EQ(published[2].size(), 1u);
  EXPECT_GT(published[2][0], published[1][1]);
  EXPECT_TRUE(Outbox().empty());
  EXPECT_EQ(Metric("herald_status_outbox_oldest_seconds"), 0);
  EXPECT_EQ(Metric("herald_status_changes_published_total"), 3);

  // Later changes are published from where it left off.
  Queue(1);
  EXPECT_EQ(*publisher.PublishOnce(), 1);
  EXPECT_GT(published.back()[0], published[2][0]);
}

TEST_F(StatusOutboxTest, StoppingPublishesWhatIsLeftAndAFailureKeepsItForTheNextStart) {
  Queue(3);
  int calls = 0;
  auto make = [&](absl::Status answer) {
    return std::make_unique<tracking::StatusPublisher>(
        *store_,
        [&calls, answer](const std::vector<store::StatusChange>&, std::chrono::milliseconds) {
          ++calls;
          return answer;
        },
        clock_, registry_, tracking::StatusPublisher::Options{.max_batch = 2});
  };
  make(absl::UnavailableError("broker down"))->Stop();  // one try, then give up
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(Outbox().size(), 3u);
  calls = 0;
  make(absl::OkStatus())->Stop();  // two batches
  EXPECT_EQ(calls, 2);
  EXPECT_TRUE(Outbox().empty());
}

}  // namespace
}  // namespace herald::dispatch
