// The conformance suite's operator changes: retry, cancel and resolve move a
// notification only from the states they apply to, leave the rest as it was, and each
// change is in the notification's history and on the status topic.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/store/store_kinds.h"
#include "tests/unit/store/store_test_data.h"

namespace herald::store::testing {
namespace {

using core::NotificationState;
using Action = OperatorChange::Action;
using Outcome = OperatorResult::Outcome;

template <typename Kind>
class OperatorConformance : public ::testing::Test {
 protected:
  std::unique_ptr<Store> Open() { return kind_.Open({.status_outbox = true}); }

  Kind kind_;
};

TYPED_TEST_SUITE(OperatorConformance, StoreKinds, StoreKindNames);

OperatorChange Change(Action action, const std::string& id, const std::string& why) {
  return {.action = action,
          .notification_id = id,
          .detail = why,
          .time = TestEpoch() + std::chrono::minutes(10)};
}

TYPED_TEST(OperatorConformance, EachActionAppliesOnlyToItsStates) {
  auto store = this->Open();
  ASSERT_TRUE(store
                  ->RecordIntake({Item("e-1", "anna", NotificationState::kFailed),
                                  Item("e-2", "bert", NotificationState::kQueued),
                                  Item("e-3", "cara", NotificationState::kUnknown),
                                  Item("e-4", "dirk", NotificationState::kUnknown),
                                  Item("e-5", "eva", NotificationState::kSuppressed)})
                  .ok());
  const int64_t before = *store->LatestChange();
  auto results = store->ApplyOperatorChanges({
      Change(Action::kRetry, "n-e-1", "retried by ops: provider fixed"),
      Change(Action::kCancel, "n-e-2", "cancelled by ops: wrong template"),
      Change(Action::kResolveSent, "n-e-3", "resolved as sent by ops: provider has it"),
      Change(Action::kResolveNotSent, "n-e-4", "resolved as not sent by ops: never arrived"),
      Change(Action::kRetry, "n-e-5", "retried by ops: no"),  // SUPPRESSED: not retried
      Change(Action::kCancel, "n-e-1", "cancelled by ops: now QUEUED, so it can be"),
      Change(Action::kRetry, "n-nope", "retried by ops: no such notification"),
  });
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->size(), 7u);
  EXPECT_EQ(results->at(0).outcome, Outcome::kApplied);
  EXPECT_EQ(results->at(0).state, NotificationState::kQueued);
  EXPECT_EQ(results->at(0).customer_id, "anna");
  EXPECT_EQ(results->at(1).state, NotificationState::kCancelled);
  EXPECT_EQ(results->at(2).state, NotificationState::kSent);
  EXPECT_EQ(results->at(3).state, NotificationState::kFailed);
  EXPECT_EQ(results->at(4).outcome, Outcome::kWrongState);
  EXPECT_EQ(results->at(4).state, NotificationState::kSuppressed);
  EXPECT_EQ(results->at(5).outcome, Outcome::kApplied) << "the changes apply in order";
  EXPECT_EQ(results->at(6).outcome, Outcome::kNotFound);

  auto cancelled = store->GetNotification("n-e-1");
  ASSERT_TRUE(cancelled.ok());
  EXPECT_EQ(cancelled->state, NotificationState::kCancelled);
  ASSERT_GE(cancelled->history.size(), 2u);
  EXPECT_EQ(cancelled->history.back().detail, "cancelled by ops: now QUEUED, so it can be");
  EXPECT_EQ(cancelled->history[cancelled->history.size() - 2].detail,
            "retried by ops: provider fixed");
  EXPECT_EQ(store->GetNotification("n-e-5")->state, NotificationState::kSuppressed);

  // On the status topic, in order: five changes (the refused two change nothing).
  auto changes = store->ListStatusOutbox(100);
  ASSERT_TRUE(changes.ok()) << changes.status();
  std::vector<std::pair<std::string, NotificationState>> after;
  for (const StatusChange& c : *changes) {
    if (c.sequence > before) after.emplace_back(c.notification_id, c.state);
  }
  EXPECT_THAT(after, ::testing::ElementsAre(std::pair("n-e-1", NotificationState::kQueued),
                                            std::pair("n-e-2", NotificationState::kCancelled),
                                            std::pair("n-e-3", NotificationState::kSent),
                                            std::pair("n-e-4", NotificationState::kFailed),
                                            std::pair("n-e-1", NotificationState::kCancelled)));
}

TYPED_TEST(OperatorConformance, ARetriedNotificationIsDueAtOnce) {
  auto store = this->Open();
  ASSERT_TRUE(store->RecordIntake({Item("e-1", "anna", NotificationState::kFailed)}).ok());
  const core::Time at = TestEpoch() + std::chrono::hours(3);
  ASSERT_EQ(store
                ->ApplyOperatorChanges({{.action = Action::kRetry,
                                         .notification_id = "n-e-1",
                                         .detail = "retried by ops: fixed",
                                         .time = at}})
                ->at(0)
                .outcome,
            Outcome::kApplied);
  auto due = store->ListDue(at, core::Channel::kEmail, 10);
  ASSERT_TRUE(due.ok()) << due.status();
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ(due->at(0).notification_id, "n-e-1");
  EXPECT_TRUE(store->ListDue(at - std::chrono::seconds(1), core::Channel::kEmail, 10)->empty());
}

}  // namespace
}  // namespace herald::store::testing
