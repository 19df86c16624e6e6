// The conformance suite's change log: every state change, numbered in commit order, kept
// until the status topic has it and for watchers a while after.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/fake_clock.h"
#include "tests/unit/store/store_kinds.h"
#include "tests/unit/store/store_test_data.h"

namespace herald::store::testing {
namespace {

using core::NotificationState;
using herald::testing::TestEpoch;
using ::testing::ElementsAre;

template <typename Kind>
class ChangeLogConformance : public ::testing::Test {
 protected:
  std::unique_ptr<Store> Open(bool outbox, std::chrono::milliseconds retention) {
    return kind_.Open({.status_outbox = outbox, .change_retention = retention});
  }

  Kind kind_;
};

TYPED_TEST_SUITE(ChangeLogConformance, StoreKinds, StoreKindNames);

TYPED_TEST(ChangeLogConformance, ChangesAreNumberedInCommitOrderAndTheNumbersGoOnAfterARestart) {
  {
    auto store = this->Open(/*outbox=*/true, std::chrono::minutes(10));
    ASSERT_TRUE(store
                    ->RecordIntake({Item("e-1", "anna", NotificationState::kQueued),
                                    Item("e-2", "bert", NotificationState::kSuppressed)})
                    .ok());
    ASSERT_TRUE(store->RecordIntake({Item("e-3", "anna", NotificationState::kQueued)}).ok());
    auto changes = store->ListStatusOutbox(100);
    ASSERT_TRUE(changes.ok()) << changes.status();
    ASSERT_EQ(changes->size(), 3u);
    EXPECT_EQ(changes->at(0).sequence, 1);
    EXPECT_EQ(changes->at(0).notification_id, "n-e-1");
    EXPECT_EQ(changes->at(0).previous_state, NotificationState::kPending);
    EXPECT_EQ(changes->at(1).sequence, 2);
    EXPECT_EQ(changes->at(1).state, NotificationState::kSuppressed);
    EXPECT_EQ(changes->at(2).sequence, 3);
    EXPECT_EQ(*store->LatestChange(), 3);
    // A limit may end inside what one commit changed; the rest comes next.
    auto first = store->ListStatusOutbox(1);
    ASSERT_EQ(first->size(), 1u);
    ASSERT_TRUE(store->AckStatusOutbox(first->at(0).sequence).ok());
    EXPECT_EQ(store->ListStatusOutbox(100)->at(0).sequence, 2);
  }
  auto store = this->Open(/*outbox=*/true, std::chrono::minutes(10));
  ASSERT_TRUE(store->RecordIntake({Item("e-4", "anna", NotificationState::kQueued)}).ok());
  auto changes = store->ListStatusOutbox(100);
  ASSERT_TRUE(changes.ok());
  std::vector<int64_t> sequences;
  for (const StatusChange& c : *changes) sequences.push_back(c.sequence);
  EXPECT_THAT(sequences, ElementsAre(2, 3, 4));
}

TYPED_TEST(ChangeLogConformance, OnlyWhatTheTopicHasIsForgottenAndAWatcherThatFellBehindIsTold) {
  // Nothing is kept for watchers beyond what the topic still needs.
  auto store = this->Open(/*outbox=*/true, std::chrono::milliseconds(0));
  ASSERT_TRUE(store->RecordIntake({Item("e-1", "anna", NotificationState::kQueued)}).ok());
  ASSERT_TRUE(store->RecordIntake({Item("e-2", "anna", NotificationState::kQueued)}).ok());
  // Writes prune as they go: not published, so kept however old.
  ASSERT_TRUE(store->RecordIntake({Item("e-3", "anna", NotificationState::kQueued)}).ok());
  EXPECT_EQ(store->ListStatusOutbox(100)->size(), 3u);
  auto watched = store->ListChangedNotifications({}, 0, 100);
  ASSERT_TRUE(watched.ok()) << watched.status();
  EXPECT_EQ(watched->items.size(), 3u);

  ASSERT_TRUE(store->AckStatusOutbox(2).ok());
  ASSERT_TRUE(store->RecordIntake({Item("e-4", "anna", NotificationState::kQueued)}).ok());
  // Published and old: gone. A watcher still at 0 missed them, and says so.
  auto behind = store->ListChangedNotifications({}, 0, 100);
  EXPECT_EQ(behind.status().code(), absl::StatusCode::kOutOfRange);
  auto on_time = store->ListChangedNotifications({}, 2, 100);
  ASSERT_TRUE(on_time.ok()) << on_time.status();
  ASSERT_EQ(on_time->items.size(), 2u);
  EXPECT_EQ(on_time->items[0].event_id, "e-3");
  EXPECT_EQ(on_time->next_after, "4");
  EXPECT_EQ(store->ListStatusOutbox(100)->size(), 2u);
}

TYPED_TEST(ChangeLogConformance, AWatcherSeesEachChangeAsItLeftTheNotification) {
  auto store = this->Open(/*outbox=*/false, std::chrono::minutes(10));
  ASSERT_TRUE(store
                  ->RecordIntake({Item("e-1", "anna", NotificationState::kQueued),
                                  Item("e-2", "bert", NotificationState::kQueued)})
                  .ok());
  auto due = store->ListDue(TestEpoch(), core::Channel::kEmail, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 2u);
  core::RenderedMessage message;
  message.channel = core::Channel::kEmail;
  ASSERT_THAT(*store->Claim({{due->at(0).seq, due->at(0).notification_id, 0, TestEpoch(), message,
                              store::Named::Of(due->at(0))}}),
              ElementsAre(true));
  // Without a status outbox there is nothing to publish, but watchers see it all.
  EXPECT_TRUE(store->ListStatusOutbox(100)->empty());
  NotificationFilter anna;
  anna.customer_id = "anna";
  auto page = store->ListChangedNotifications(anna, 0, 100);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].state, NotificationState::kQueued);   // as the first change left it
  EXPECT_EQ(page->items[1].state, NotificationState::kSending);  // and the second
  EXPECT_EQ(page->next_after, "3");  // bert's change was read too, and passed over
  NotificationFilter sending;
  sending.states = {NotificationState::kSending};
  EXPECT_EQ(store->ListChangedNotifications(sending, 0, 100)->items.size(), 1u);
  EXPECT_TRUE(store->ListChangedNotifications({}, 3, 100)->items.empty());
}

}  // namespace
}  // namespace herald::store::testing
