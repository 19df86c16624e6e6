// The packed history of a notification's row: appended to, never rewritten.
#include "services/store/record/records.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/fake_clock.h"

namespace herald::store::record {
namespace {

using testing::TestEpoch;

TEST(Records, AHistoryAppendedPieceByPieceReadsBackWhole) {
  core::Decision deferred;
  deferred.outcome = core::DecisionOutcome::kDefer;
  deferred.reason = core::DecisionReason::kQuietHours;
  deferred.rule = "quiet hours 21:00-08:00 Europe/Amsterdam";
  deferred.detail = "until 08:00";
  deferred.defer_until = TestEpoch() + std::chrono::hours(8);
  deferred.decide_time = TestEpoch();
  deferred.evaluations = {{"template", true, "order-shipped v1"}, {"quiet_hours", false, "quiet"}};
  core::Decision sent = deferred;
  sent.outcome = core::DecisionOutcome::kSend;
  sent.reason = core::DecisionReason::kAllowed;
  sent.defer_until.reset();
  sent.decide_time = TestEpoch() + std::chrono::hours(8);

  core::DeliveryAttempt started;
  started.number = 1;
  started.channel = core::Channel::kSms;
  started.start_time = sent.decide_time;
  core::DeliveryAttempt ended;  // says only what it adds
  ended.number = 1;
  ended.channel = core::Channel::kSms;
  ended.end_time = started.start_time + std::chrono::seconds(1);
  ended.result = core::AttemptResult::kAccepted;
  ended.provider_message_id = "p-1";

  const std::string bytes =
      DecisionBytes(deferred, core::NotificationState::kDeferred) +
      DecisionBytes(sent, core::NotificationState::kQueued) + AttemptBytes(started) +
      ChangeBytes({core::NotificationState::kSending, started.start_time, "attempt 1 on SMS"}) +
      AttemptBytes(ended) +
      ChangeBytes({core::NotificationState::kSent, *ended.end_time, "accepted on SMS as p-1"});
  absl::StatusOr<NotificationHistory> history = DecodeHistory(bytes, "n-1");
  ASSERT_TRUE(history.ok()) << history.status();
  ASSERT_EQ(history->decisions.size(), 2u);
  EXPECT_EQ(history->decisions[0].first, deferred);
  EXPECT_EQ(history->decisions[0].second, core::NotificationState::kDeferred);
  EXPECT_EQ(history->decisions[1].first, sent);
  ASSERT_EQ(history->attempts.size(), 1u);
  EXPECT_EQ(history->attempts[0].start_time, started.start_time);  // from the first entry
  EXPECT_EQ(history->attempts[0].end_time, ended.end_time);        // and the second
  EXPECT_EQ(history->attempts[0].result, core::AttemptResult::kAccepted);
  EXPECT_EQ(history->attempts[0].provider_message_id, "p-1");
  ASSERT_EQ(history->changes.size(), 2u);
  EXPECT_EQ(history->changes[1].detail, "accepted on SMS as p-1");
}

TEST(Records, BytesThatAreNotAHistoryAreDataLossNamingTheNotification) {
  absl::StatusOr<NotificationHistory> history = DecodeHistory("\xff\xff\xff", "n-7");
  EXPECT_EQ(history.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(history.status().message()), ::testing::HasSubstr("n-7"));
}

TEST(Records, AChangeBatchKeepsEveryFieldAndNumbersFromItsFirst) {
  StatusChange c;
  c.notification_seq = 9;
  c.notification_id = "n-9";
  c.customer_id = "anna";
  c.event_id = "e-9";
  c.event_type = "order.shipped";
  c.template_name = "order-shipped";
  c.template_version = 2;
  c.category = core::Category::kOrderUpdate;
  c.previous_state = core::NotificationState::kSending;
  c.state = core::NotificationState::kSent;
  c.channel = core::Channel::kEmail;
  c.change_time = TestEpoch();
  c.detail = "accepted";
  c.attempt = 1;
  c.provider_message_id = "H0001";
  StatusChange d = c;
  d.previous_state = core::NotificationState::kSent;
  d.state = core::NotificationState::kDelivered;
  d.category.reset();
  d.channel.reset();
  absl::StatusOr<std::vector<StatusChange>> read = DecodeChangeBatch(EncodeChangeBatch({c, d}), 41);
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->size(), 2u);
  c.sequence = 41;
  d.sequence = 42;
  EXPECT_EQ(read->at(0), c);
  EXPECT_EQ(read->at(1), d);
}

}  // namespace
}  // namespace herald::store::record
