// The policy stage over a real SQLite store, fed by the real intake (which decides as it
// records), with an injected clock: deferral and release, restarts, consent withdrawn
// meanwhile, caps inside one batch and across batches not recorded yet, complaints,
// duplicates, and the decision log.
#include "services/policy/decider.h"

#include <gmock/gmock.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "services/ingest/intake.h"
#include "services/policy/pause_watcher.h"
#include "services/policy/releaser.h"
#include "services/store/sqlite/sqlite_store.h"
#include "tests/support/fake_clock.h"
#include "tests/support/pipeline.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/ingest/event_fixtures.h"

namespace herald::policy {
namespace {

using core::Category;
using core::Channel;
using core::DecisionOutcome;
using core::DecisionReason;
using core::NotificationState;
using std::chrono::hours;
using std::chrono::minutes;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

using testing::Utc;

class DeciderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Open();
    AddTemplate("order-shipped", Category::kOrderUpdate, {"order.shipped"});
    AddTemplate("weekly-offer", Category::kInformational, {"order.delivered"});
    AddTemplate("how-did-we-do", Category::kSurvey, {"service.complaint_resolved"});
    AddCustomer("ams", "Europe/Amsterdam");
  }

  // Opens the store (again: a restart) with the stages over it.
  void Open() {
    pipeline_.reset();
    pipeline_ = std::make_unique<testing::Pipeline>(
        dir_.File("herald.db"), clock_, registry_,
        testing::Pipeline::Options{.policy = config_, .ownership = ownership_, .pauses = &pauses_});
    store_ = &pipeline_->store();
  }

  void AddTemplate(const std::string& name, Category category,
                   std::vector<std::string> event_types) {
    auto stored = store_->AddTemplateVersion(
        name, [&](const core::Template*) -> absl::StatusOr<std::optional<core::Template>> {
          core::Template t;
          t.name = name;
          t.category = category;
          t.event_types = event_types;
          t.default_locale = "en";
          core::LocalizedContent en;
          en.locale = "en";
          en.email = core::EmailContent{"Hello", "Body", ""};
          t.contents.push_back(en);
          t.update_time = clock_.Now();
          return t;
        });
    ASSERT_TRUE(stored.ok()) << stored.status();
  }

  void AddCustomer(const std::string& id, const std::string& zone) {
    Mutate(id, [&](core::Profile& p) {
      p.customer_id = id;
      p.email = id + "@example.nl";
      p.time_zone = zone;
      p.quiet_hours = core::QuietHours{22 * 60, 7 * 60};
    });
  }

  void Mutate(const std::string& id, const std::function<void(core::Profile&)>& change) {
    auto stored = store_->MutateProfile(
        id, [&](const core::Profile* current) -> absl::StatusOr<core::Profile> {
          core::Profile p = current != nullptr ? *current : core::Profile{};
          change(p);
          return p;
        });
    ASSERT_TRUE(stored.ok()) << stored.status();
  }

  void Consent(const std::string& id, Category category, core::ConsentState state) {
    Mutate(id, [&](core::Profile& p) {
      std::erase_if(p.consents, [&](const core::Consent& c) { return c.category == category; });
      p.consents.push_back({category, Channel::kEmail, state, "app", clock_.Now()});
    });
  }

  v1::Event Event(const std::string& id, const std::string& type, const std::string& customer,
                  const std::string& order_id = "") {
    v1::Event e = testing::OrderShipped(id, customer, clock_.Now());
    e.set_event_type(type);
    e.mutable_order()->set_order_id(order_id.empty() ? "o-" + id : order_id);
    if (type.starts_with("service.")) {
      e.clear_order();
      e.mutable_service()->mutable_complaint()->set_complaint_id("cmp-" + id);
    }
    return e;
  }

  void Publish(const std::vector<v1::Event>& events) {
    std::vector<const v1::Event*> batch;
    for (const v1::Event& e : events) batch.push_back(&e);
    auto outcomes = pipeline_->intake().ProcessParsed(batch, "grpc");
    ASSERT_TRUE(outcomes.ok()) << outcomes.status();
    for (const auto& o : *outcomes) {
      ASSERT_NE(o.kind, ingest::IntakeOutcome::Kind::kRejected) << o.rejection->Message();
    }
  }

  // Decides the deferred notifications that are due; how many.
  int Release() {
    absl::StatusOr<int> decided = pipeline_->releaser().RunOnce();
    EXPECT_TRUE(decided.ok()) << decided.status();
    return decided.ok() ? *decided : -1;
  }

  core::Notification Get(const std::string& event_id, const std::string& customer,
                         const std::string& template_name) {
    auto n = store_->GetNotification(core::NotificationId(event_id, customer, template_name));
    EXPECT_TRUE(n.ok()) << n.status();
    return n.ok() ? *n : core::Notification{};
  }

  testing::TempDir dir_;
  PolicyConfig config_ = PolicyConfig::Defaults();
  const core::Ownership* ownership_ = nullptr;
  core::PauseBoard pauses_;  // as this instance's PauseWatcher last read them
  // Sunday 2026-03-01 23:00 in Amsterdam: inside the customer's quiet hours.
  testing::FakeClock clock_{Utc(2026, 3, 1, 22)};
  prometheus::Registry registry_;
  std::unique_ptr<testing::Pipeline> pipeline_;
  store::Store* store_ = nullptr;
};

TEST_F(DeciderTest, AQuietHoursDeferralIsReleasedWhenDueAndSurvivesARestart) {
  Publish({Event("e-1", "order.shipped", "ams")});
  // Decided as it was recorded.
  core::Notification n = Get("e-1", "ams", "order-shipped");
  EXPECT_EQ(n.state, NotificationState::kDeferred);
  ASSERT_TRUE(n.decision);
  EXPECT_EQ(n.decision->reason, DecisionReason::kQuietHours);
  EXPECT_EQ(n.decision->defer_until, Utc(2026, 3, 2, 6));  // 07:00 in Amsterdam
  EXPECT_EQ(n.category, Category::kOrderUpdate);

  // Nothing is due before 07:00; a restart in between loses nothing.
  clock_.Set(Utc(2026, 3, 2, 5, 59));
  EXPECT_EQ(Release(), 0);
  Open();
  auto next = store_->NextDeferTime(std::nullopt);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, Utc(2026, 3, 2, 6));
  clock_.Set(Utc(2026, 3, 2, 6));
  EXPECT_EQ(Release(), 1);
  n = Get("e-1", "ams", "order-shipped");
  EXPECT_EQ(n.state, NotificationState::kQueued);
  EXPECT_EQ(n.channel, Channel::kEmail);
  EXPECT_EQ(n.send_time, Utc(2026, 3, 2, 6));
  EXPECT_EQ(n.next_attempt_time, Utc(2026, 3, 2, 6));
  // Both decisions are in the log, and in the history.
  auto decisions = store_->ListDecisions(n.notification_id);
  ASSERT_TRUE(decisions.ok());
  ASSERT_EQ(decisions->size(), 2u);
  EXPECT_EQ((*decisions)[0].outcome, DecisionOutcome::kDefer);
  EXPECT_EQ((*decisions)[1].outcome, DecisionOutcome::kSend);
  EXPECT_FALSE((*decisions)[1].evaluations.empty());
  ASSERT_EQ(n.history.size(), 3u);
  EXPECT_EQ(n.history[0].state, NotificationState::kPending);
  EXPECT_EQ(n.history[1].state, NotificationState::kDeferred);
  EXPECT_THAT(n.history[1].detail, HasSubstr("DEFER QUIET_HOURS"));
  EXPECT_EQ(n.history[2].state, NotificationState::kQueued);
  EXPECT_EQ(Release(), 0);  // decided once, not again
}

// An instance's share of customers, as its consumer's assignment would set it.
class AssignedOwnership : public core::Ownership {
 public:
  std::optional<core::OwnedPartitions> Owned() const override { return owned; }
  core::OwnedPartitions owned;
};

TEST_F(DeciderTest, ADeferralIsReleasedByTheInstanceThatOwnsItsCustomerNow) {
  // Two customers whose ids fall into different partitions of two.
  std::string other = "ams-1";
  for (int i = 2; core::KeyHash(other) % 2 == core::KeyHash("ams") % 2; ++i) {
    other = "ams-" + std::to_string(i);
  }
  AddCustomer(other, "Europe/Amsterdam");
  AssignedOwnership ownership;
  ownership_ = &ownership;
  Open();
  Publish({Event("e-1", "order.shipped", "ams"), Event("e-2", "order.shipped", other)});
  clock_.Set(Utc(2026, 3, 2, 6));  // both due

  // This instance has the partition of ams: it releases ams's deferral, not the other.
  ownership.owned = {.count = 2, .partitions = {core::KeyHash("ams") % 2}};
  EXPECT_EQ(Release(), 1);
  EXPECT_EQ(Get("e-1", "ams", "order-shipped").state, NotificationState::kQueued);
  EXPECT_EQ(Get("e-2", other, "order-shipped").state, NotificationState::kDeferred);
  // During a rebalance it owns nothing and releases nothing.
  ownership.owned = {.count = 2, .partitions = {}};
  EXPECT_EQ(Release(), 0);
  // The other partition comes to it (its owner left): now it releases that one too.
  ownership.owned = {.count = 2, .partitions = {0, 1}};
  EXPECT_EQ(Release(), 1);
  EXPECT_EQ(Get("e-2", other, "order-shipped").state, NotificationState::kQueued);
  ownership_ = nullptr;
  Open();  // the pipeline goes before the ownership it points to
}

TEST_F(DeciderTest, ConsentWithdrawnBetweenDeferAndReleaseSuppressesAtRelease) {
  Publish({Event("e-1", "order.shipped", "ams")});
  EXPECT_EQ(Get("e-1", "ams", "order-shipped").state, NotificationState::kDeferred);
  clock_.Advance(hours(1));
  Consent("ams", Category::kOrderUpdate, core::ConsentState::kDenied);
  clock_.Set(Utc(2026, 3, 2, 6));
  EXPECT_EQ(Release(), 1);
  core::Notification n = Get("e-1", "ams", "order-shipped");
  EXPECT_EQ(n.state, NotificationState::kSuppressed);
  EXPECT_EQ(n.decision->reason, DecisionReason::kNoConsent);
  EXPECT_THAT(n.decision->detail, HasSubstr("ORDER_UPDATE consent DENIED by app"));
}

TEST_F(DeciderTest, ConsentGivenTakesEffectForTheVeryNextEvent) {
  clock_.Set(Utc(2026, 3, 2, 12));
  Publish({Event("e-1", "order.delivered", "ams")});
  EXPECT_EQ(Get("e-1", "ams", "weekly-offer").decision->reason, DecisionReason::kNoConsent);
  Consent("ams", Category::kInformational, core::ConsentState::kGranted);
  Publish({Event("e-2", "order.delivered", "ams")});
  EXPECT_EQ(Get("e-2", "ams", "weekly-offer").state, NotificationState::kQueued);
}

void Exec(const std::string& db_path, const std::string& sql) {
  testing::TestStore::Exec(db_path, sql);
}

TEST_F(DeciderTest, CapsSeeEarlierDecisionsOfTheSameBatch) {
  clock_.Set(Utc(2026, 3, 2, 12));
  Consent("ams", Category::kInformational, core::ConsentState::kGranted);
  Publish({Event("e-1", "order.delivered", "ams"), Event("e-2", "order.delivered", "ams"),
           Event("e-3", "order.delivered", "ams")});
  EXPECT_EQ(Get("e-1", "ams", "weekly-offer").state, NotificationState::kQueued);
  EXPECT_EQ(Get("e-2", "ams", "weekly-offer").state, NotificationState::kQueued);
  core::Notification third = Get("e-3", "ams", "weekly-offer");
  EXPECT_EQ(third.state, NotificationState::kDeferred);
  EXPECT_EQ(third.decision->rule, "INFORMATIONAL cap 2/7d");
  EXPECT_EQ(third.decision->defer_until, Utc(2026, 3, 9, 12));

  // A send that failed stops counting: the deferred one goes at its next evaluation.
  Exec(dir_.File("herald.db"),
       "UPDATE notifications SET state = 'FAILED' WHERE notification_id = '" +
           core::NotificationId("e-1", "ams", "weekly-offer") + "'");
  Exec(dir_.File("herald.db"), "UPDATE notifications SET due_us = 0 WHERE notification_id = '" +
                                   third.notification_id + "'");
  EXPECT_EQ(Release(), 1);
  EXPECT_EQ(Get("e-3", "ams", "weekly-offer").state, NotificationState::kQueued);
}

TEST_F(DeciderTest, ALateSendCountsForItsCapLongAfterItWasMade) {
  // Deferred for a week, then let through: the next week's cap counts it from then.
  clock_.Set(Utc(2026, 3, 2, 12));
  Consent("ams", Category::kInformational, core::ConsentState::kGranted);
  Publish({Event("e-1", "order.delivered", "ams"), Event("e-2", "order.delivered", "ams"),
           Event("e-3", "order.delivered", "ams")});
  ASSERT_EQ(Get("e-3", "ams", "weekly-offer").state, NotificationState::kDeferred);
  clock_.Set(Utc(2026, 3, 9, 12));
  EXPECT_EQ(Release(), 1);
  EXPECT_EQ(Get("e-3", "ams", "weekly-offer").state, NotificationState::kQueued);
  // Two more the next day: the week-old e-3 counts (sent on the 9th), so one goes.
  clock_.Set(Utc(2026, 3, 10, 12));
  Publish({Event("e-4", "order.delivered", "ams"), Event("e-5", "order.delivered", "ams")});
  EXPECT_EQ(Get("e-4", "ams", "weekly-offer").state, NotificationState::kQueued);
  EXPECT_EQ(Get("e-5", "ams", "weekly-offer").state, NotificationState::kDeferred);
}

TEST_F(DeciderTest, AComplaintHoldsBackTheSurveyThatFollowsIt) {
  clock_.Set(Utc(2026, 3, 2, 12));
  Consent("ams", Category::kSurvey, core::ConsentState::kGranted);
  Publish({Event("e-complaint", "service.complaint_received", "ams")});
  clock_.Advance(hours(24));
  Publish({Event("e-resolved", "service.complaint_resolved", "ams")});
  // No template for the complaint itself: recorded as such.
  EXPECT_EQ(Get("e-complaint", "ams", "").decision->reason, DecisionReason::kNoTemplate);
  core::Notification survey = Get("e-resolved", "ams", "how-did-we-do");
  EXPECT_EQ(survey.state, NotificationState::kSuppressed);
  EXPECT_EQ(survey.decision->reason, DecisionReason::kComplaintCooldown);
  EXPECT_THAT(survey.decision->detail, HasSubstr("(event e-complaint)"));
  // And when both come in one batch, the complaint first.
  Publish({Event("e-complaint-2", "service.complaint_received", "ams"),
           Event("e-resolved-2", "service.complaint_resolved", "ams")});
  EXPECT_EQ(Get("e-resolved-2", "ams", "how-did-we-do").decision->reason,
            DecisionReason::kComplaintCooldown);
}

TEST_F(DeciderTest, TheSameOrderShippedTwiceUnderNewIdsIsSentOnce) {
  clock_.Set(Utc(2026, 3, 2, 12));
  Publish(
      {Event("e-1", "order.shipped", "ams", "o-77"), Event("e-2", "order.shipped", "ams", "o-77")});
  EXPECT_EQ(Get("e-1", "ams", "order-shipped").state, NotificationState::kQueued);
  core::Notification again = Get("e-2", "ams", "order-shipped");
  EXPECT_EQ(again.state, NotificationState::kSuppressed);
  EXPECT_EQ(again.decision->reason, DecisionReason::kDuplicate);
  // In a later batch too.
  Publish({Event("e-3", "order.shipped", "ams", "o-77")});
  EXPECT_EQ(Get("e-3", "ams", "order-shipped").decision->reason, DecisionReason::kDuplicate);
}

TEST_F(DeciderTest, TheContactHistoryListsEveryDecisionNewestFirst) {
  clock_.Set(Utc(2026, 3, 2, 12));
  Publish({Event("e-1", "order.shipped", "ams")});
  clock_.Advance(minutes(5));
  Publish({Event("e-2", "order.delivered", "ams")});
  store::NotificationFilter filter;
  filter.customer_id = "ams";
  auto page = store_->ListNotifications(filter, "", 10);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].event_id, "e-2");
  EXPECT_EQ(page->items[0].decision->reason, DecisionReason::kNoConsent);
  EXPECT_EQ(page->items[1].event_id, "e-1");
  EXPECT_EQ(page->items[1].decision->outcome, DecisionOutcome::kSend);
}

TEST_F(DeciderTest, EventsUseTheActiveTemplateVersion) {
  clock_.Set(Utc(2026, 3, 2, 12));
  // Version 2 of order-shipped is SECURITY... and then rolled back to version 1.
  AddTemplate("order-shipped", Category::kSecurity, {"order.shipped"});
  ASSERT_TRUE(store_->ActivateTemplateVersion("order-shipped", 1).ok());
  Publish({Event("e-1", "order.shipped", "ams")});
  core::Notification n = Get("e-1", "ams", "order-shipped");
  EXPECT_EQ(n.template_version, 1);
  EXPECT_EQ(n.category, Category::kOrderUpdate);
  // A template whose active version no longer lists the event type is not triggered.
  AddTemplate("order-shipped", Category::kOrderUpdate, {"order.delivered"});
  Publish({Event("e-2", "order.shipped", "ams")});
  EXPECT_EQ(Get("e-2", "ams", "").decision->reason, DecisionReason::kNoTemplate);
}

TEST_F(DeciderTest, ABatchDecidedBeforeTheOneBeforeIsRecordedCountsItsSends) {
  clock_.Set(Utc(2026, 3, 2, 12));
  Consent("ams", Category::kInformational, core::ConsentState::kGranted);
  absl::StatusOr<std::shared_ptr<const store::TemplateCatalog::View>> catalog =
      pipeline_->templates().Refresh();
  ASSERT_TRUE(catalog.ok());
  std::shared_ptr<const core::Template> offer = *(*catalog)->Active("weekly-offer");
  core::Event event;
  event.event_id = "e";
  event.event_type = "order.delivered";
  auto make = [&](const std::string& id) {
    core::Notification n;
    n.notification_id = id;
    n.event_id = id;
    n.customer_id = "ams";
    n.event_type = "order.delivered";
    n.template_name = "weekly-offer";
    n.create_time = clock_.Now();
    return n;
  };
  std::vector<core::Notification> first = {make("n-1"), make("n-2")};
  std::vector<core::Notification> second = {make("n-3")};
  auto work = [&](std::vector<core::Notification>& ns) {
    std::vector<Decider::Work> w;
    for (core::Notification& n : ns) w.push_back({&n, &event, offer.get()});
    return w;
  };
  Decider& decider = pipeline_->decider();
  absl::StatusOr<Decider::Batch> a = decider.Decide(work(first));
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(first[0].state, NotificationState::kQueued);
  EXPECT_EQ(first[1].state, NotificationState::kQueued);
  // Decided while the first is not recorded: the store has none of it, yet the cap of
  // 2 counts its sends...
  absl::StatusOr<Decider::Batch> b = decider.Decide(work(second));
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(second[0].state, NotificationState::kDeferred);
  EXPECT_EQ(second[0].decision->rule, "INFORMATIONAL cap 2/7d");
  // ... until it is released without being recorded: then nothing counts them.
  { Decider::Batch dropped = *std::move(a); }
  std::vector<core::Notification> third = {make("n-4")};
  absl::StatusOr<Decider::Batch> c = decider.Decide(work(third));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(third[0].state, NotificationState::kQueued);
}

TEST_F(DeciderTest, CapsHoldWhenEventsForOneCustomerComeFromTwoCallersAtOnce) {
  // Kafka and gRPC both decide: never more than the cap let through.
  clock_.Set(Utc(2026, 3, 2, 12));
  Consent("ams", Category::kInformational, core::ConsentState::kGranted);
  std::vector<std::thread> callers;
  for (int t = 0; t < 2; ++t) {
    callers.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        v1::Event e =
            Event("e-" + std::to_string(t) + "-" + std::to_string(i), "order.delivered", "ams");
        auto outcomes = pipeline_->intake().ProcessParsed({&e}, "grpc");
        EXPECT_TRUE(outcomes.ok()) << outcomes.status();
      }
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(store_->CountNotifications({NotificationState::kQueued}).value_or(-1), 2);
  EXPECT_EQ(store_->CountNotifications({NotificationState::kDeferred}).value_or(-1), 18);
}

TEST_F(DeciderTest, TwoInstancesDecidingForOneCustomerAtOnceLetThroughNoMoreThanTheCap) {
  // A second heraldd over the same database: during a rebalance both may hold events of
  // one customer. The store refuses the decision made on a history the other changed;
  // it is decided again, as a consumer processes a failed batch again.
  if (!testing::TestStore::OnPostgres()) {
    // The SQLite store is one instance's: a second one on its file is refused.
    auto second = testing::TestStore::Open(dir_.File("herald.db"), false);
    EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(std::string(second.status().message()), HasSubstr("in use by another heraldd"));
    return;
  }
  clock_.Set(Utc(2026, 3, 2, 12));
  Consent("ams", Category::kInformational, core::ConsentState::kGranted);
  prometheus::Registry other_registry;
  testing::Pipeline other(dir_.File("herald.db"), clock_, other_registry,
                          testing::Pipeline::Options{.policy = config_});
  auto publish = [&](testing::Pipeline& instance, const std::string& name) {
    for (int i = 0; i < 20; ++i) {
      v1::Event e = Event(name + "-" + std::to_string(i), "order.delivered", "ams");
      for (int attempt = 0;; ++attempt) {
        auto outcomes = instance.intake().ProcessParsed({&e}, "grpc");
        if (outcomes.ok()) break;
        EXPECT_EQ(outcomes.status().code(), absl::StatusCode::kAborted) << outcomes.status();
        ASSERT_LT(attempt, 1000);
      }
    }
  };
  std::thread a([&] { publish(*pipeline_, "a"); });
  std::thread b([&] { publish(other, "b"); });
  a.join();
  b.join();
  EXPECT_EQ(store_->CountNotifications({NotificationState::kQueued}).value_or(-1), 2);
  EXPECT_EQ(store_->CountNotifications({NotificationState::kDeferred}).value_or(-1), 38);
}

TEST_F(DeciderTest, ADecisionOnAStaleReadIsNotApplied) {
  Publish({Event("e-1", "order.shipped", "ams")});  // deferred: quiet hours
  clock_.Set(Utc(2026, 3, 2, 6));
  auto due = store_->ListDueDecisions(clock_.Now(), 10, std::nullopt);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 1u);
  store::DecisionUpdate update;
  update.notification_seq = (*due)[0].seq;
  update.notification_id = (*due)[0].notification_id;
  update.expected_state = NotificationState::kDeferred;
  update.expected_update_time = (*due)[0].update_time;
  update.state = NotificationState::kSuppressed;
  update.decision.decide_time = clock_.Now();
  // Another releaser got there first.
  EXPECT_EQ(Release(), 1);
  auto applied = store_->RecordDecisions({update}, {});
  ASSERT_TRUE(applied.ok());
  EXPECT_THAT(*applied, ElementsAre(false));
  EXPECT_EQ(Get("e-1", "ams", "order-shipped").state, NotificationState::kQueued);
  auto decisions = store_->ListDecisions(update.notification_id);
  ASSERT_TRUE(decisions.ok());
  EXPECT_EQ(decisions->size(), 2u);
}

// Another instance pauses and resumes; this one reads the pauses only when its watcher
// runs, and decides on its older view meanwhile. The watcher's sweeps mend what those
// decisions left: nothing paused goes out, and nothing stays held once resumed.
TEST_F(DeciderTest, DecisionsOnAnOlderViewOfThePausesAreMendedByTheWatcher) {
  clock_.Set(Utc(2026, 3, 2, 12));  // outside quiet hours
  prometheus::Registry watcher_registry;
  PauseWatcher watcher(*store_, pauses_, clock_, watcher_registry,
                       PauseWatcher::Options{.settle = std::chrono::milliseconds(0)});
  ASSERT_TRUE(watcher.RunOnce().ok());
  const core::Pause pause{.scope = core::PauseScope::kTemplate,
                          .value = "order-shipped",
                          .paused_by = "api-key:ops",
                          .reason = "wrong text",
                          .pause_time = clock_.Now()};
  ASSERT_TRUE(store_->AddPause(pause).ok());  // on the other instance

  Publish({Event("e-1", "order.shipped", "ams")});
  EXPECT_EQ(Get("e-1", "ams", "order-shipped").state, NotificationState::kQueued)
      << "decided before this instance read the pause";
  ASSERT_TRUE(watcher.RunOnce().ok());
  EXPECT_THAT(*pauses_.Current(), ElementsAre(pause));
  core::Notification held = Get("e-1", "ams", "order-shipped");
  EXPECT_EQ(held.state, NotificationState::kDeferred);
  EXPECT_EQ(held.decision->reason, DecisionReason::kPaused);

  Publish({Event("e-2", "order.shipped", "ams")});
  EXPECT_EQ(Get("e-2", "ams", "order-shipped").decision->reason, DecisionReason::kPaused);
  EXPECT_EQ(Release(), 0) << "nothing paused is due";

  // Resumed elsewhere: released, but decided here on the older view, so held again.
  ASSERT_EQ(store_->RemovePause(pause.scope, pause.value)->second.released, 2);
  EXPECT_EQ(Release(), 2);
  EXPECT_EQ(Get("e-1", "ams", "order-shipped").decision->reason, DecisionReason::kPaused);
  ASSERT_TRUE(watcher.RunOnce().ok());  // reads the resume and sweeps
  EXPECT_TRUE(pauses_.Current()->empty());
  EXPECT_EQ(Release(), 2);
  EXPECT_EQ(Get("e-1", "ams", "order-shipped").state, NotificationState::kQueued);
  EXPECT_EQ(Get("e-2", "ams", "order-shipped").state, NotificationState::kQueued);
}

TEST_F(DeciderTest, TheReleaserReleasesWhenWokenAndStopsCleanly) {
  Publish({Event("e-1", "order.shipped", "ams"), Event("e-2", "order.shipped", "ams", "o-2")});
  // Waits for a state, bounded for a broken build.
  auto state_of = [&](const std::string& event_id, NotificationState want) {
    for (int i = 0; i < 500 && Get(event_id, "ams", "order-shipped").state != want; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return Get(event_id, "ams", "order-shipped").state;
  };
  Releaser& releaser = pipeline_->releaser();
  releaser.Start();  // nothing is due: it sleeps (an hour here) unless woken
  clock_.Set(Utc(2026, 3, 2, 6));
  releaser.Wake();
  EXPECT_EQ(state_of("e-1", NotificationState::kQueued), NotificationState::kQueued);
  EXPECT_EQ(state_of("e-2", NotificationState::kQueued), NotificationState::kQueued);
  releaser.Stop();
  releaser.Stop();
}

TEST_F(DeciderTest, PendingNotificationsAnEarlierVersionLeftAreDecided) {
  clock_.Set(Utc(2026, 3, 2, 12));
  Publish({Event("e-1", "order.shipped", "ams")});
  const std::string id = core::NotificationId("e-1", "ams", "order-shipped");
  // As an earlier heraldd left it: recorded, not decided yet.
  Exec(dir_.File("herald.db"),
       "UPDATE notifications SET state = 'PENDING', due_us = create_time_us,"
       " channel = NULL, send_time_us = NULL WHERE notification_id = '" +
           id + "'");
  EXPECT_EQ(Release(), 1);
  EXPECT_EQ(Get("e-1", "ams", "order-shipped").state, NotificationState::kQueued);
}

}  // namespace
}  // namespace herald::policy
