// The policy stage over a real SQLite store, fed by the real intake, with an injected
// clock: deferral and release, restarts, consent withdrawn meanwhile, caps inside one
// batch, complaints, duplicates, and the decision log.
#include "services/policy/decider.h"

#include <gmock/gmock.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <thread>

#include "services/ingest/intake.h"
#include "services/store/sqlite/sqlite_store.h"
#include "tests/support/fake_clock.h"
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

  void Open() {
    decider_.reset();
    intake_.reset();
    store_.reset();
    auto store = store::sqlite::SqliteStore::Open({.path = dir_.File("herald.db")});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    intake_ = std::make_unique<ingest::Intake>(*store_, *store_, *store_, clock_,
                                               ingest::EventLimits{}, registry_);
    decider_ = std::make_unique<Decider>(
        *store_, config_, ingest::ReadStoredEvent, clock_,
        registry_,  // Never woken by the clock in these tests: only Wake() (or RunOnce) decides.
        Decider::Options{.max_batch = 100, .idle_wait = std::chrono::hours(1)});
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
    auto outcomes = intake_->ProcessParsed(batch, "grpc");
    ASSERT_TRUE(outcomes.ok()) << outcomes.status();
    for (const auto& o : *outcomes) {
      ASSERT_NE(o.kind, ingest::IntakeOutcome::Kind::kRejected) << o.rejection->Message();
    }
  }

  int Decide() {
    absl::StatusOr<int> decided = decider_->RunOnce();
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
  // Sunday 2026-03-01 23:00 in Amsterdam: inside the customer's quiet hours.
  testing::FakeClock clock_{Utc(2026, 3, 1, 22)};
  prometheus::Registry registry_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::unique_ptr<ingest::Intake> intake_;
  std::unique_ptr<Decider> decider_;
};

TEST_F(DeciderTest, AQuietHoursDeferralIsReleasedWhenDueAndSurvivesARestart) {
  Publish({Event("e-1", "order.shipped", "ams")});
  EXPECT_EQ(Decide(), 1);
  core::Notification n = Get("e-1", "ams", "order-shipped");
  EXPECT_EQ(n.state, NotificationState::kDeferred);
  ASSERT_TRUE(n.decision);
  EXPECT_EQ(n.decision->reason, DecisionReason::kQuietHours);
  EXPECT_EQ(n.decision->defer_until, Utc(2026, 3, 2, 6));  // 07:00 in Amsterdam
  EXPECT_EQ(n.category, Category::kOrderUpdate);

  // Nothing is due before 07:00; a restart in between loses nothing.
  clock_.Set(Utc(2026, 3, 2, 5, 59));
  EXPECT_EQ(Decide(), 0);
  Open();
  auto next = store_->NextDeferTime();
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, Utc(2026, 3, 2, 6));
  clock_.Set(Utc(2026, 3, 2, 6));
  EXPECT_EQ(Decide(), 1);
  n = Get("e-1", "ams", "order-shipped");
  EXPECT_EQ(n.state, NotificationState::kQueued);
  EXPECT_EQ(n.channel, Channel::kEmail);
  EXPECT_EQ(n.send_time, Utc(2026, 3, 2, 6));
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
  EXPECT_EQ(Decide(), 0);  // decided once, not again
}

TEST_F(DeciderTest, ConsentWithdrawnBetweenDeferAndReleaseSuppressesAtRelease) {
  Publish({Event("e-1", "order.shipped", "ams")});
  EXPECT_EQ(Decide(), 1);
  EXPECT_EQ(Get("e-1", "ams", "order-shipped").state, NotificationState::kDeferred);
  clock_.Advance(hours(1));
  Consent("ams", Category::kOrderUpdate, core::ConsentState::kDenied);
  clock_.Set(Utc(2026, 3, 2, 6));
  EXPECT_EQ(Decide(), 1);
  core::Notification n = Get("e-1", "ams", "order-shipped");
  EXPECT_EQ(n.state, NotificationState::kSuppressed);
  EXPECT_EQ(n.decision->reason, DecisionReason::kNoConsent);
  EXPECT_THAT(n.decision->detail, HasSubstr("ORDER_UPDATE consent DENIED by app"));
}

TEST_F(DeciderTest, ConsentGivenTakesEffectForTheVeryNextEvent) {
  clock_.Set(Utc(2026, 3, 2, 12));
  Publish({Event("e-1", "order.delivered", "ams")});
  EXPECT_EQ(Decide(), 1);
  EXPECT_EQ(Get("e-1", "ams", "weekly-offer").decision->reason, DecisionReason::kNoConsent);
  Consent("ams", Category::kInformational, core::ConsentState::kGranted);
  Publish({Event("e-2", "order.delivered", "ams")});
  EXPECT_EQ(Decide(), 1);
  EXPECT_EQ(Get("e-2", "ams", "weekly-offer").state, NotificationState::kQueued);
}

TEST_F(DeciderTest, CapsSeeEarlierDecisionsOfTheSameBatch) {
  clock_.Set(Utc(2026, 3, 2, 12));
  Consent("ams", Category::kInformational, core::ConsentState::kGranted);
  Publish({Event("e-1", "order.delivered", "ams"), Event("e-2", "order.delivered", "ams"),
           Event("e-3", "order.delivered", "ams")});
  EXPECT_EQ(Decide(), 3);
  EXPECT_EQ(Get("e-1", "ams", "weekly-offer").state, NotificationState::kQueued);
  EXPECT_EQ(Get("e-2", "ams", "weekly-offer").state, NotificationState::kQueued);
  core::Notification third = Get("e-3", "ams", "weekly-offer");
  EXPECT_EQ(third.state, NotificationState::kDeferred);
  EXPECT_EQ(third.decision->rule, "INFORMATIONAL cap 2/7d");
  EXPECT_EQ(third.decision->defer_until, Utc(2026, 3, 9, 12));

  // A send that failed stops counting: the deferred one goes at its next evaluation.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.File("herald.db").c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  ASSERT_EQ(sqlite3_exec(db,
                         ("UPDATE notifications SET state = 'FAILED' WHERE notification_id = '" +
                          core::NotificationId("e-1", "ams", "weekly-offer") + "'")
                             .c_str(),
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         ("UPDATE notifications SET defer_until_us = 0 WHERE notification_id = '" +
                          third.notification_id + "'")
                             .c_str(),
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  EXPECT_EQ(Decide(), 1);
  EXPECT_EQ(Get("e-3", "ams", "weekly-offer").state, NotificationState::kQueued);
}

TEST_F(DeciderTest, AComplaintHoldsBackTheSurveyThatFollowsIt) {
  clock_.Set(Utc(2026, 3, 2, 12));
  Consent("ams", Category::kSurvey, core::ConsentState::kGranted);
  Publish({Event("e-complaint", "service.complaint_received", "ams")});
  clock_.Advance(hours(24));
  Publish({Event("e-resolved", "service.complaint_resolved", "ams")});
  EXPECT_EQ(Decide(), 2);
  // No template for the complaint itself: recorded as such.
  EXPECT_EQ(Get("e-complaint", "ams", "").decision->reason, DecisionReason::kNoTemplate);
  core::Notification survey = Get("e-resolved", "ams", "how-did-we-do");
  EXPECT_EQ(survey.state, NotificationState::kSuppressed);
  EXPECT_EQ(survey.decision->reason, DecisionReason::kComplaintCooldown);
  EXPECT_THAT(survey.decision->detail, HasSubstr("(event e-complaint)"));
}

TEST_F(DeciderTest, TheSameOrderShippedTwiceUnderNewIdsIsSentOnce) {
  clock_.Set(Utc(2026, 3, 2, 12));
  Publish(
      {Event("e-1", "order.shipped", "ams", "o-77"), Event("e-2", "order.shipped", "ams", "o-77")});
  EXPECT_EQ(Decide(), 2);
  EXPECT_EQ(Get("e-1", "ams", "order-shipped").state, NotificationState::kQueued);
  core::Notification again = Get("e-2", "ams", "order-shipped");
  EXPECT_EQ(again.state, NotificationState::kSuppressed);
  EXPECT_EQ(again.decision->reason, DecisionReason::kDuplicate);
}

TEST_F(DeciderTest, TheContactHistoryListsEveryDecisionNewestFirst) {
  clock_.Set(Utc(2026, 3, 2, 12));
  Publish({Event("e-1", "order.shipped", "ams")});
  clock_.Advance(minutes(5));
  Publish({Event("e-2", "order.delivered", "ams")});
  EXPECT_EQ(Decide(), 2);
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
  EXPECT_EQ(Decide(), 1);
  core::Notification n = Get("e-1", "ams", "order-shipped");
  EXPECT_EQ(n.template_version, 1);
  EXPECT_EQ(n.category, Category::kOrderUpdate);
  // A template whose active version no longer lists the event type is not triggered.
  AddTemplate("order-shipped", Category::kOrderUpdate, {"order.delivered"});
  Publish({Event("e-2", "order.shipped", "ams")});
  EXPECT_EQ(Decide(), 1);
  EXPECT_EQ(Get("e-2", "ams", "").decision->reason, DecisionReason::kNoTemplate);
}

TEST_F(DeciderTest, ABatchDecidedWhileTheOneBeforeIsRecordedTakesNoneOfItAndCountsItsSends) {
  clock_.Set(Utc(2026, 3, 2, 12));
  Consent("ams", Category::kInformational, core::ConsentState::kGranted);
  Publish({Event("e-1", "order.delivered", "ams"), Event("e-2", "order.delivered", "ams"),
           Event("e-3", "order.delivered", "ams")});
  Decider decider(*store_, config_, ingest::ReadStoredEvent, clock_, registry_,
                  Decider::Options{.max_batch = 2, .idle_wait = std::chrono::hours(1)});
  absl::StatusOr<Decider::Batch> first = decider.DecideBatch();
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->work.size(), 2u);
  EXPECT_EQ(first->updates[0].state, NotificationState::kQueued);
  EXPECT_EQ(first->updates[1].state, NotificationState::kQueued);

  // Decided before the first is recorded: the store still has e-1 and e-2 PENDING and
  // no sends, yet they are not taken again and the cap of 2 counts them.
  absl::StatusOr<Decider::Batch> second = decider.DecideBatch(&*first);
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(second->work.size(), 1u);
  EXPECT_EQ(second->work[0].event_id, "e-3");
  EXPECT_EQ(second->updates[0].state, NotificationState::kDeferred);
  EXPECT_EQ(second->updates[0].decision.rule, "INFORMATIONAL cap 2/7d");

  EXPECT_EQ(decider.RecordBatch(*first).value_or(-1), 2);
  EXPECT_EQ(decider.RecordBatch(*second).value_or(-1), 1);
  EXPECT_EQ(Get("e-1", "ams", "weekly-offer").state, NotificationState::kQueued);
  EXPECT_EQ(Get("e-2", "ams", "weekly-offer").state, NotificationState::kQueued);
  EXPECT_EQ(Get("e-3", "ams", "weekly-offer").state, NotificationState::kDeferred);
}

TEST_F(DeciderTest, TheWorkerKeepsCapsAcrossBatchesItDecidesWhileRecording) {
  clock_.Set(Utc(2026, 3, 2, 12));
  Consent("ams", Category::kInformational, core::ConsentState::kGranted);
  std::vector<v1::Event> events;
  for (int i = 0; i < 9; ++i)
    events.push_back(Event("e-" + std::to_string(i), "order.delivered", "ams"));
  Publish(events);
  Decider decider(*store_, config_, ingest::ReadStoredEvent, clock_, registry_,
                  Decider::Options{.max_batch = 2, .idle_wait = std::chrono::hours(1)});
  decider.Start();
  // Bounded for a broken build.
  for (int i = 0; i < 500; ++i) {
    auto pending = store_->CountNotifications({NotificationState::kPending});
    ASSERT_TRUE(pending.ok());
    if (*pending == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  decider.Stop();
  EXPECT_EQ(store_->CountNotifications({NotificationState::kQueued}).value_or(-1), 2);
  EXPECT_EQ(store_->CountNotifications({NotificationState::kDeferred}).value_or(-1), 7);
}

TEST_F(DeciderTest, ADecisionOnAStaleReadIsNotApplied) {
  clock_.Set(Utc(2026, 3, 2, 12));
  Publish({Event("e-1", "order.shipped", "ams")});
  auto work = store_->ListDecisionWork(clock_.Now(), 10);
  ASSERT_TRUE(work.ok());
  ASSERT_EQ(work->size(), 1u);
  store::DecisionUpdate update;
  update.notification_id = (*work)[0].notification_id;
  update.expected_state = NotificationState::kPending;
  update.expected_update_time = (*work)[0].update_time;
  update.state = NotificationState::kSuppressed;
  update.decision.decide_time = clock_.Now();
  // Another decider got there first.
  EXPECT_EQ(Decide(), 1);
  auto applied = store_->RecordDecisions({update});
  ASSERT_TRUE(applied.ok());
  EXPECT_THAT(*applied, ElementsAre(false));
  EXPECT_EQ(Get("e-1", "ams", "order-shipped").state, NotificationState::kQueued);
  auto decisions = store_->ListDecisions(update.notification_id);
  ASSERT_TRUE(decisions.ok());
  EXPECT_EQ(decisions->size(), 1u);
}

TEST_F(DeciderTest, TheWorkerDecidesWhenIntakeWakesItAndStopsCleanly) {
  clock_.Set(Utc(2026, 3, 2, 12));
  intake_->SetOnRecorded([this] { decider_->Wake(); });
  // Waits for a state, bounded for a broken build.
  auto decided = [&](const std::string& event_id) {
    for (int i = 0;
         i < 500 && Get(event_id, "ams", "order-shipped").state == NotificationState::kPending;
         ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return Get(event_id, "ams", "order-shipped").state;
  };
  Publish({Event("e-1", "order.shipped", "ams")});
  decider_->Start();  // the first pass decides what is waiting
  EXPECT_EQ(decided("e-1"), NotificationState::kQueued);
  // Now it sleeps for an hour unless intake wakes it.
  Publish({Event("e-2", "order.shipped", "ams")});
  EXPECT_EQ(decided("e-2"), NotificationState::kQueued);
  decider_->Stop();
  decider_->Stop();
}

}  // namespace
}  // namespace herald::policy

namespace herald::policy {
namespace {

// What is let through is rendered for its channel and each fallback, in the
// customer's language, with the shared snippets; what does not render is dropped.
class DeciderComposeTest : public DeciderTest {
 protected:
  void SetUp() override {
    DeciderTest::SetUp();
    clock_.Set(Utc(2026, 3, 2, 11));  // Monday 12:00 in Brussels
    auto stored = store_->AddTemplateVersion(
        "order-late", [&](const core::Template*) -> absl::StatusOr<std::optional<core::Template>> {
          core::Template t;
          t.name = "order-late";
          t.category = Category::kOrderUpdate;
          t.event_types = {"order.delayed"};
          t.default_locale = "en";
          t.max_sms_segments = 1;
          core::LocalizedContent nl{
              "nl",
              core::EmailContent{"Bestelling {{order.order_id}} is vertraagd",
                                 "Beste {{customer.name}},\nSinds {{event.occur_time.date}} om "
                                 "{{event.occur_time.time}}: {{order.delay_reason}}.\n{{> sign}}",
                                 "<p>Beste {{customer.name}}</p>{{> sign}}"},
              core::SmsContent{"Bestelling {{order.order_id}} vertraagd. {{attributes.note}}"}};
          core::LocalizedContent en{
              "en",
              core::EmailContent{"Order {{order.order_id}} is late",
                                 "Dear {{customer.name}}, since {{event.occur_time.date}}.", ""},
              core::SmsContent{"Order {{order.order_id}} is late."}};
          t.contents = {nl, en};
          t.update_time = clock_.Now();
          return t;
        });
    ASSERT_TRUE(stored.ok()) << stored.status();
    for (auto [name, text] :
         {std::pair{"sign", "Groet, {{> brand}}"}, std::pair{"brand", "Herald Bank"}}) {
      core::Snippet snippet;
      snippet.name = name;
      snippet.text = text;
      snippet.update_time = clock_.Now();
      ASSERT_TRUE(store_->PutSnippet(snippet, /*must_exist=*/false).ok());
    }
    for (const auto& customer : {std::pair{"anke", "nl-BE"}, std::pair{"bram", "fr-FR"}}) {
      const char* id = customer.first;
      const char* locale = customer.second;
      Mutate(id, [&](core::Profile& p) {
        p.customer_id = id;
        p.display_name = "Anke & Co";
        p.email = std::string(id) + "@example.be";
        p.phone = "+32470123456";
        p.locale = locale;
        p.time_zone = "Europe/Brussels";
        p.preferred_channels = {Channel::kSms, Channel::kEmail};
      });
    }
  }

  v1::Event Delayed(const std::string& id, const std::string& customer,
                    const std::string& note = "") {
    v1::Event e = Event(id, "order.delayed", customer, "1001");
    e.mutable_order()->set_delay_reason("storm");
    if (!note.empty()) (*e.mutable_attributes())["note"] = note;
    return e;
  }
};

TEST_F(DeciderComposeTest, EveryChannelIsRenderedInTheCustomersLanguage) {
  Publish({Delayed("d-1", "anke"), Delayed("d-2", "bram")});
  EXPECT_EQ(Decide(), 2);

  core::Notification n = Get("d-1", "anke", "order-late");
  ASSERT_EQ(n.state, NotificationState::kQueued) << n.decision->detail;
  EXPECT_EQ(n.channel, Channel::kSms);
  EXPECT_THAT(n.fallback_channels, ElementsAre(Channel::kEmail));
  ASSERT_EQ(n.messages.size(), 2u);
  const core::RenderedMessage& sms = n.messages[0];
  EXPECT_EQ(sms.channel, Channel::kSms);
  EXPECT_EQ(sms.locale, "nl");  // nl-BE falls back to nl
  EXPECT_EQ(sms.sms_text, "Bestelling 1001 vertraagd. ");
  EXPECT_EQ(sms.sms_encoding, "GSM_7");
  EXPECT_EQ(sms.sms_segments, 1);
  EXPECT_EQ(sms.render_time, clock_.Now());
  const core::RenderedMessage& email = n.messages[1];
  EXPECT_EQ(email.channel, Channel::kEmail);
  EXPECT_EQ(email.subject, "Bestelling 1001 is vertraagd");
  // Formatted as in Belgium, in Brussels time; text unescaped, HTML escaped.
  EXPECT_EQ(email.text_body,
            "Beste Anke & Co,\nSinds maandag 2 maart 2026 om 12:00: storm.\nGroet, Herald Bank");
  EXPECT_EQ(email.html_body, "<p>Beste Anke &amp; Co</p>Groet, Herald Bank");
  ASSERT_TRUE(n.decision);
  EXPECT_THAT(n.decision->evaluations, ::testing::Contains(core::RuleEvaluation{
                                           "render", true, "SMS in nl: 1 segment GSM_7"}));

  // No French content: the default locale, and its dates read in English.
  core::Notification fr = Get("d-2", "bram", "order-late");
  ASSERT_EQ(fr.messages.size(), 2u);
  EXPECT_EQ(fr.messages[1].locale, "en");
  EXPECT_EQ(fr.messages[1].text_body, "Dear Anke & Co, since Monday, March 2, 2026.");
}

TEST_F(DeciderComposeTest, AnAudienceSpreadOverBatchesIsRenderedFromTheSameEventInEach) {
  v1::Event e = Delayed("d-all", "anke");
  e.clear_customer_id();
  e.mutable_audience()->add_customer_ids("anke");
  e.mutable_audience()->add_customer_ids("bram");
  Publish({e, Delayed("d-1", "anke")});
  Decider decider(*store_, config_, ingest::ReadStoredEvent, clock_, registry_,
                  Decider::Options{.max_batch = 1, .idle_wait = std::chrono::hours(1)});
  for (int i = 0; i < 3; ++i) EXPECT_EQ(decider.RunOnce().value_or(-1), 1);
  EXPECT_EQ(decider.RunOnce().value_or(-1), 0);
  for (const char* customer : {"anke", "bram"}) {
    core::Notification n = Get("d-all", customer, "order-late");
    ASSERT_EQ(n.messages.size(), 2u) << customer;
    EXPECT_THAT(n.messages[1].subject, ::testing::HasSubstr("1001")) << customer;
  }
  EXPECT_EQ(Get("d-1", "anke", "order-late").state, NotificationState::kQueued);
}

TEST_F(DeciderComposeTest, AChannelThatDoesNotRenderIsDroppedAndNoneLeftIsFailed) {
  // An SMS over the template's one segment: the email alone goes.
  Publish({Delayed("d-1", "anke", std::string(160, 'x'))});
  EXPECT_EQ(Decide(), 1);
  core::Notification n = Get("d-1", "anke", "order-late");
  ASSERT_EQ(n.state, NotificationState::kQueued);
  EXPECT_EQ(n.channel, Channel::kEmail);
  EXPECT_THAT(n.fallback_channels, ::testing::IsEmpty());
  ASSERT_EQ(n.messages.size(), 1u);
  EXPECT_EQ(n.messages[0].channel, Channel::kEmail);
  EXPECT_THAT(n.decision->evaluations,
              ::testing::Contains(core::RuleEvaluation{
                  "render", false,
                  "SMS: sms.text renders to 2 segments (GSM_7, 187 septets); the template "
                  "allows 1"}));

  // A snippet gone: the email cannot be rendered either. FAILED, and it says why.
  ASSERT_TRUE(store_->DeleteSnippet("brand").ok());
  Publish({Delayed("d-2", "anke", std::string(160, 'x'))});
  EXPECT_EQ(Decide(), 1);
  core::Notification failed = Get("d-2", "anke", "order-late");
  EXPECT_EQ(failed.state, NotificationState::kFailed);
  ASSERT_TRUE(failed.decision);
  EXPECT_EQ(failed.decision->outcome, DecisionOutcome::kSuppress);
  EXPECT_EQ(failed.decision->reason, DecisionReason::kRenderFailed);
  EXPECT_EQ(failed.decision->rule, "render order-late v1");
  EXPECT_THAT(failed.decision->detail,
              HasSubstr("EMAIL: partial \"brand\" (in \"sign\", line 1, column 8) is not a stored "
                        "snippet"));
  EXPECT_THAT(failed.messages, ::testing::IsEmpty());
  EXPECT_FALSE(failed.send_time.has_value());
}

void Exec(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sql;
  sqlite3_close(db);
}

TEST_F(DeciderComposeTest, TheEventsLocaleOverrideIsReadAsValidationNormalisedIt) {
  v1::Event e = Delayed("d-1", "anke");
  e.mutable_contact_overrides()->set_locale("EN-gb");
  Publish({e});
  EXPECT_EQ(Decide(), 1);
  core::Notification n = Get("d-1", "anke", "order-late");
  ASSERT_EQ(n.messages.size(), 2u);
  EXPECT_EQ(n.messages[1].locale, "en");
  EXPECT_EQ(n.messages[1].text_body,
            "Dear Anke & Co, since Monday, 2 March 2026.");  // en-GB, not en-US
}

TEST_F(DeciderComposeTest, AFailedRenderIsNotCountedByTheCaps) {
  config_.global_cap = Cap{1, std::chrono::hours(24)};
  Open();
  Mutate("anke", [](core::Profile& p) { p.email.clear(); });  // SMS only
  // The first SMS is too long and fails; the second still fits under the cap of one.
  Publish({Delayed("d-1", "anke", std::string(160, 'x')), Delayed("d-2", "anke")});
  EXPECT_EQ(Decide(), 2);
  EXPECT_EQ(Get("d-1", "anke", "order-late").state, NotificationState::kFailed);
  core::Notification second = Get("d-2", "anke", "order-late");
  EXPECT_EQ(second.state, NotificationState::kQueued) << second.decision->detail;
}

TEST_F(DeciderComposeTest, AnUnreadableStoredEventFailsRatherThanSendingEmptyValues) {
  Publish({Delayed("d-1", "anke")});
  Exec(dir_.File("herald.db"), "UPDATE events SET body = 'garbage' WHERE event_id = 'd-1'");
  EXPECT_EQ(Decide(), 1);
  core::Notification n = Get("d-1", "anke", "order-late");
  EXPECT_EQ(n.state, NotificationState::kFailed);
  ASSERT_TRUE(n.decision);
  EXPECT_EQ(n.decision->reason, DecisionReason::kRenderFailed);
  EXPECT_THAT(n.decision->detail, HasSubstr("SMS: the stored event cannot be read: stored event "
                                            "d-1 no longer decodes"));
}

TEST_F(DeciderComposeTest, SnippetsInACircleFailTheirChannelInsteadOfRenderingForever) {
  // Recursion the data never ends (the API stores such snippets with a warning): the
  // channel fails at the depth bound, and the pipeline goes on.
  for (auto [name, text] : {std::pair{"sign", "{{> brand}}"}, std::pair{"brand", "{{> sign}}"}}) {
    core::Snippet snippet;
    snippet.name = name;
    snippet.text = text;
    snippet.update_time = clock_.Now();
    ASSERT_TRUE(store_->PutSnippet(snippet, /*must_exist=*/true).ok());
  }
  Publish({Delayed("d-1", "anke")});
  EXPECT_EQ(Decide(), 1);
  core::Notification n = Get("d-1", "anke", "order-late");
  EXPECT_EQ(n.state, NotificationState::kQueued);
  EXPECT_EQ(n.channel, Channel::kSms);  // its text includes no snippet
  EXPECT_THAT(n.fallback_channels, ::testing::IsEmpty());
  EXPECT_THAT(n.decision->evaluations,
              ::testing::Contains(core::RuleEvaluation{
                  "render", false,
                  "EMAIL: email.text_body: partial \"sign\" nested more than 64 deep (sign -> "
                  "brand -> sign -> ...)"}));
}

}  // namespace
}  // namespace herald::policy
