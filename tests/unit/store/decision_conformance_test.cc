// The conformance suite's decision guard: a decision is recorded only on the history it
// was made with (store.h, CustomerVersion), so two deciders never both let through what
// a cap allows once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "tests/unit/store/store_kinds.h"
#include "tests/unit/store/store_test_data.h"

namespace herald::store::testing {
namespace {

using core::NotificationState;

template <typename Kind>
class DecisionConformance : public ::testing::Test {
 protected:
  std::unique_ptr<Store> Open() { return kind_.Open({}); }

  int64_t VersionOf(Store& store, const std::string& customer) {
    auto contexts = store.LoadCustomerContexts({customer}, TestEpoch(), "", TestEpoch());
    EXPECT_TRUE(contexts.ok()) << contexts.status();
    return contexts.ok() ? contexts->at(0).version : -1;
  }

  Kind kind_;
};

TYPED_TEST_SUITE(DecisionConformance, StoreKinds, StoreKindNames);

TYPED_TEST(DecisionConformance, AnIntakeDecidedOnAnOlderHistoryRecordsNothing) {
  auto store = this->Open();
  EXPECT_EQ(this->VersionOf(*store, "anna"), 0);
  ASSERT_TRUE(store->RecordIntake({Item("e-1", "anna")}, {{"anna", 0}}).ok());
  EXPECT_EQ(this->VersionOf(*store, "anna"), 1);
  // Decided on the history before e-1 (another instance read it at the same time).
  auto stale =
      store->RecordIntake({Item("e-2", "anna"), Item("e-3", "bert")}, {{"anna", 0}, {"bert", 0}});
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(std::string(stale.status().message()), ::testing::HasSubstr("anna"));
  auto known = store->KnownEvents({"e-2", "e-3"});
  ASSERT_TRUE(known.ok());
  EXPECT_EQ(known->at(0).state, KnownEvent::State::kUnknown);
  EXPECT_EQ(known->at(1).state, KnownEvent::State::kUnknown);
  EXPECT_EQ(this->VersionOf(*store, "bert"), 0);  // nothing of it moved
  // Decided again on the history as it is: recorded.
  ASSERT_TRUE(
      store->RecordIntake({Item("e-2", "anna"), Item("e-3", "bert")}, {{"anna", 1}, {"bert", 0}})
          .ok());
  EXPECT_EQ(this->VersionOf(*store, "anna"), 2);
  EXPECT_EQ(this->VersionOf(*store, "bert"), 1);
  EXPECT_EQ(*store->CountNotifications({NotificationState::kQueued}), 3);
}

TYPED_TEST(DecisionConformance, ADeferralDecidedOnAnOlderHistoryStaysDeferred) {
  auto store = this->Open();
  ASSERT_TRUE(store
                  ->RecordIntake({Item("e-1", "anna", NotificationState::kDeferred),
                                  Item("e-2", "bert", NotificationState::kDeferred)},
                                 {{"anna", 0}, {"bert", 0}})
                  .ok());
  auto due = store->ListDueDecisions(core::Time::max(), 10, std::nullopt);
  ASSERT_TRUE(due.ok()) << due.status();
  ASSERT_EQ(due->size(), 2u);
  std::vector<DecisionUpdate> updates;
  for (const core::Notification& n : *due) {
    DecisionUpdate u;
    u.notification_seq = n.seq;
    u.notification_id = n.notification_id;
    u.customer_id = n.customer_id;
    u.expected_state = NotificationState::kDeferred;
    u.expected_update_time = n.update_time;
    u.state = NotificationState::kQueued;
    u.channel = core::Channel::kEmail;
    u.decision.outcome = core::DecisionOutcome::kSend;
    u.decision.decide_time = TestEpoch() + std::chrono::hours(1);
    updates.push_back(u);
  }
  // anna was decided meanwhile elsewhere (version 2 now); bert was not.
  ASSERT_TRUE(store->RecordIntake({Item("e-3", "anna")}, {{"anna", 1}}).ok());
  auto applied = store->RecordDecisions(updates, {{"anna", 1}, {"bert", 1}});
  ASSERT_TRUE(applied.ok()) << applied.status();
  const bool anna_first = due->at(0).customer_id == "anna";
  EXPECT_THAT(*applied, anna_first ? ::testing::ElementsAre(false, true)
                                   : ::testing::ElementsAre(true, false));
  EXPECT_EQ(store->GetNotification("n-e-1")->state, NotificationState::kDeferred);
  EXPECT_EQ(store->GetNotification("n-e-2")->state, NotificationState::kQueued);
  EXPECT_EQ(this->VersionOf(*store, "anna"), 2);
  EXPECT_EQ(this->VersionOf(*store, "bert"), 2);
}

// Several instances: each releases the deferrals of the customers whose partitions it
// has now, and looks again when the first of those is due, not another's.
TYPED_TEST(DecisionConformance, DeferralsAreListedForTheInstanceThatOwnsTheCustomer) {
  auto store = this->Open();
  std::vector<IntakeItem> items;
  std::vector<CustomerVersion> versions;
  for (int i = 0; i < 40; ++i) {
    const std::string customer = "c" + std::to_string(i);
    items.push_back(Item("e-" + std::to_string(i), customer, NotificationState::kDeferred));
    versions.push_back({customer, 0});
  }
  ASSERT_TRUE(store->RecordIntake(items, versions).ok());
  const core::OwnedPartitions first{.count = 3, .partitions = {0, 2}};
  const core::OwnedPartitions second{.count = 3, .partitions = {1}};
  std::set<std::string> seen;
  for (const core::OwnedPartitions& owned : {first, second}) {
    auto due = store->ListDueDecisions(core::Time::max(), 100, owned);
    ASSERT_TRUE(due.ok()) << due.status();
    EXPECT_FALSE(due->empty());
    for (const core::Notification& n : *due) {
      EXPECT_TRUE(owned.Owns(n.customer_id)) << n.customer_id;
      EXPECT_TRUE(seen.insert(n.customer_id).second) << n.customer_id << " listed twice";
    }
    auto next = store->NextDeferTime(owned);
    ASSERT_TRUE(next.ok()) << next.status();
    EXPECT_TRUE(next->has_value());
  }
  EXPECT_EQ(seen.size(), 40u);  // every customer has an owner
  // Between assignments: nothing is owned, nothing listed.
  EXPECT_TRUE(store->ListDueDecisions(core::Time::max(), 100, core::OwnedPartitions{})->empty());
  EXPECT_FALSE(store->NextDeferTime(core::OwnedPartitions{})->has_value());
  EXPECT_EQ(store->ListDueDecisions(core::Time::max(), 100, std::nullopt)->size(), 40u);
}

// What operators watch: the work not done yet, by state and channel, and how long the
// oldest QUEUED notification has waited for its hand-off.
TYPED_TEST(DecisionConformance, TheBacklogIsCountedByStateAndChannel) {
  auto store = this->Open();
  auto empty = store->CountBacklog();
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_TRUE(empty->counts.empty());
  EXPECT_FALSE(empty->oldest_queued.has_value());
  EXPECT_FALSE(empty->first_deferred_due.has_value());

  IntakeItem later = Item("e-2", "bert");
  later.notifications[0].send_time = TestEpoch() + std::chrono::minutes(5);
  IntakeItem pending = Item("e-3", "cara", NotificationState::kPending);
  pending.notifications[0].channel.reset();
  pending.notifications[0].send_time.reset();
  pending.notifications[0].decision.reset();
  IntakeItem quiet = Item("e-6", "fien", NotificationState::kDeferred);
  quiet.notifications[0].decision->outcome = core::DecisionOutcome::kDefer;
  quiet.notifications[0].decision->defer_until = TestEpoch() + std::chrono::hours(8);
  quiet.notifications[0].send_time.reset();
  IntakeItem sms = Item("e-4", "dirk");
  sms.notifications[0].channel = core::Channel::kSms;
  sms.notifications[0].send_time = TestEpoch() + std::chrono::minutes(1);
  ASSERT_TRUE(store
                  ->RecordIntake(
                      {Item("e-1", "anna"), later, pending, sms,
                       Item("e-5", "eva", NotificationState::kSuppressed), quiet},
                      {{"anna", 0}, {"bert", 0}, {"cara", 0}, {"dirk", 0}, {"eva", 0}, {"fien", 0}})
                  .ok());
  auto backlog = store->CountBacklog();
  ASSERT_TRUE(backlog.ok()) << backlog.status();
  std::map<std::pair<NotificationState, std::string>, int64_t> counts;
  for (const NotificationBacklog::Count& c : backlog->counts) {
    counts[{c.state, c.channel ? std::string(core::Name(*c.channel)) : "none"}] = c.count;
  }
  const std::map<std::pair<NotificationState, std::string>, int64_t> expected = {
      {{NotificationState::kPending, "none"}, 1},
      {{NotificationState::kDeferred, "EMAIL"}, 1},
      {{NotificationState::kQueued, "EMAIL"}, 2},
      {{NotificationState::kQueued, "SMS"}, 1}};
  EXPECT_EQ(counts, expected) << "SUPPRESSED is done: not counted";
  EXPECT_EQ(backlog->oldest_queued, TestEpoch());
  EXPECT_EQ(backlog->first_deferred_due, TestEpoch() + std::chrono::hours(8));
}

}  // namespace
}  // namespace herald::store::testing
