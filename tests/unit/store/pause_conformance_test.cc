// The conformance suite's kill switches: a pause holds what it covers and is QUEUED in
// the same transaction (DEFERRED PAUSED, never due), a resume releases what no other
// pause covers in the order it came, and a sweep mends what decisions made on an older
// view of the pauses left.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/store/store_kinds.h"
#include "tests/unit/store/store_test_data.h"

namespace herald::store::testing {
namespace {

using core::NotificationState;
using core::PauseScope;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

template <typename Kind>
class PauseConformance : public ::testing::Test {
 protected:
  std::unique_ptr<Store> Open() { return kind_.Open({.status_outbox = true}); }

  Kind kind_;
};

TYPED_TEST_SUITE(PauseConformance, StoreKinds, StoreKindNames);

// A QUEUED notification of `tmpl` on `channel`, made `minutes` after the epoch.
IntakeItem Queued(const std::string& event_id, const std::string& customer, const std::string& tmpl,
                  core::Channel channel, int minutes) {
  IntakeItem item = Item(event_id, customer, NotificationState::kQueued);
  core::Notification& n = item.notifications.front();
  n.template_name = tmpl;
  n.category = tmpl == "survey" ? core::Category::kSurvey : core::Category::kOrderUpdate;
  n.channel = channel;
  n.create_time = n.update_time = TestEpoch() + std::chrono::minutes(minutes);
  n.send_time = n.create_time;
  n.decision->decide_time = n.create_time;
  return item;
}

core::Pause PauseOf(PauseScope scope, const std::string& value, int minutes) {
  return {.scope = scope,
          .value = value,
          .paused_by = "api-key:ops",
          .reason = "provider down",
          .pause_time = TestEpoch() + std::chrono::hours(1) + std::chrono::minutes(minutes)};
}

std::vector<std::string> Ids(const std::vector<core::Notification>& ns) {
  std::vector<std::string> ids;
  for (const core::Notification& n : ns) ids.push_back(n.notification_id);
  return ids;
}

TYPED_TEST(PauseConformance, APauseHoldsTheQueuedItCoversAtOnce) {
  auto store = this->Open();
  ASSERT_TRUE(store
                  ->RecordIntake({Queued("e-1", "anna", "order-shipped", core::Channel::kEmail, 1),
                                  Queued("e-2", "bert", "survey", core::Channel::kEmail, 2),
                                  Queued("e-3", "cara", "order-shipped", core::Channel::kSms, 3)})
                  .ok());
  const int64_t before = *store->LatestChange();
  const core::Pause pause = PauseOf(PauseScope::kTemplate, "order-shipped", 0);
  auto change = store->AddPause(pause);
  ASSERT_TRUE(change.ok()) << change.status();
  EXPECT_EQ(change->held, 2);
  EXPECT_EQ(change->released, 0);
  EXPECT_THAT(*store->ListPauses(), ElementsAre(pause));

  auto held = store->GetNotification("n-e-1");
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_EQ(held->state, NotificationState::kDeferred);
  ASSERT_TRUE(held->decision.has_value());
  EXPECT_EQ(held->decision->outcome, core::DecisionOutcome::kDefer);
  EXPECT_EQ(held->decision->reason, core::DecisionReason::kPaused);
  EXPECT_FALSE(held->decision->defer_until.has_value());
  EXPECT_THAT(held->decision->detail, HasSubstr("template order-shipped paused by api-key:ops at "
                                                "2026-03-01T13:00:00Z: provider down"));
  EXPECT_EQ(store->GetNotification("n-e-2")->state, NotificationState::kQueued);

  // Neither the dispatcher nor the releaser takes them, however late it is.
  const core::Time late = TestEpoch() + std::chrono::hours(24 * 365);
  EXPECT_THAT(Ids(*store->ListDue(late, core::Channel::kEmail, 10)), ElementsAre("n-e-2"));
  EXPECT_TRUE(store->ListDue(late, core::Channel::kSms, 10)->empty());
  EXPECT_TRUE(store->ListDueDecisions(late, 10, std::nullopt)->empty());
  EXPECT_FALSE(store->NextDeferTime(std::nullopt)->has_value());

  // On the status topic with the reason.
  std::vector<std::pair<std::string, std::string>> changes;
  auto outbox = store->ListStatusOutbox(100);
  ASSERT_TRUE(outbox.ok()) << outbox.status();
  for (const StatusChange& c : *outbox) {
    if (c.sequence > before) changes.emplace_back(c.notification_id, c.reason);
  }
  EXPECT_THAT(changes, ElementsAre(std::pair("n-e-1", "PAUSED"), std::pair("n-e-3", "PAUSED")));

  // Pausing it again says who did.
  auto again = store->AddPause(PauseOf(PauseScope::kTemplate, "order-shipped", 5));
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(again.status().message(),
              HasSubstr("template order-shipped is already paused (by api-key:ops at "
                        "2026-03-01T13:00:00Z: provider down)"));
}

TYPED_TEST(PauseConformance, AResumeReleasesWhatNoOtherPauseCoversInOrder) {
  auto store = this->Open();
  ASSERT_TRUE(store
                  ->RecordIntake({Queued("e-1", "anna", "order-shipped", core::Channel::kEmail, 3),
                                  Queued("e-2", "bert", "survey", core::Channel::kEmail, 1),
                                  Queued("e-3", "cara", "order-shipped", core::Channel::kSms, 2)})
                  .ok());
  ASSERT_EQ(store->AddPause(PauseOf(PauseScope::kTemplate, "order-shipped", 0))->held, 2);
  ASSERT_EQ(store->AddPause(PauseOf(PauseScope::kChannel, "EMAIL", 1))->held, 1);
  ASSERT_EQ(store->ListPauses()->size(), 2u);

  // e-1 is on email: still paused by the channel's pause.
  auto resumed = store->RemovePause(PauseScope::kTemplate, "order-shipped");
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ(resumed->first.scope, PauseScope::kTemplate);
  EXPECT_EQ(resumed->first.paused_by, "api-key:ops");
  EXPECT_EQ(resumed->second.released, 1);
  const core::Time now = TestEpoch() + std::chrono::hours(2);
  EXPECT_THAT(Ids(*store->ListDueDecisions(now, 10, std::nullopt)), ElementsAre("n-e-3"));

  ASSERT_EQ(store->RemovePause(PauseScope::kChannel, "EMAIL")->second.released, 2);
  EXPECT_TRUE(store->ListPauses()->empty());
  // Oldest first: each is due when it was made.
  auto due = store->ListDueDecisions(now, 10, std::nullopt);
  ASSERT_TRUE(due.ok()) << due.status();
  EXPECT_THAT(Ids(*due), ElementsAre("n-e-2", "n-e-3", "n-e-1"));

  auto gone = store->RemovePause(PauseScope::kChannel, "EMAIL");
  EXPECT_EQ(gone.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(gone.status().message(), "channel EMAIL is not paused");
}

TYPED_TEST(PauseConformance, ASweepMendsWhatDecisionsOnAnOlderViewLeft) {
  auto store = this->Open();
  ASSERT_TRUE(store->AddPause(PauseOf(PauseScope::kAll, "", 0)).ok());
  // Let go by an instance that had not read the pause yet.
  ASSERT_TRUE(
      store->RecordIntake({Queued("e-1", "anna", "order-shipped", core::Channel::kEmail, 70)})
          .ok());
  // Held by an instance that had not read the resume yet (below).
  IntakeItem paused = Queued("e-2", "bert", "survey", core::Channel::kSms, 71);
  paused.notifications.front().state = NotificationState::kDeferred;
  paused.notifications.front().send_time.reset();
  paused.notifications.front().decision =
      core::PausedDecision(PauseOf(PauseScope::kCategory, "SURVEY", 0), TestEpoch());
  ASSERT_TRUE(store->RecordIntake({paused}).ok());

  const core::Time now = TestEpoch() + std::chrono::hours(2);
  auto swept = store->SweepPauses(now);
  ASSERT_TRUE(swept.ok()) << swept.status();
  EXPECT_EQ(swept->held, 1);
  EXPECT_EQ(swept->released, 0) << "all sending is paused: e-2 stays held";
  EXPECT_EQ(store->GetNotification("n-e-1")->state, NotificationState::kDeferred);
  EXPECT_EQ(store->GetNotification("n-e-1")->decision->reason, core::DecisionReason::kPaused);

  ASSERT_EQ(store->RemovePause(PauseScope::kAll, "")->second.released, 2);
  EXPECT_THAT(Ids(*store->ListDueDecisions(now, 10, std::nullopt)), ElementsAre("n-e-1", "n-e-2"));
  swept = store->SweepPauses(now);
  ASSERT_TRUE(swept.ok()) << swept.status();
  EXPECT_EQ(swept->held + swept->released, 0) << "nothing left to mend";
}

}  // namespace
}  // namespace herald::store::testing
