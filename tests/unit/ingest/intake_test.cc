#include "services/ingest/intake.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/store/sqlite/sqlite_store.h"
#include "tests/support/fake_clock.h"
#include "tests/support/pipeline.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/ingest/event_fixtures.h"

namespace herald::ingest {
namespace {

using Kind = IntakeOutcome::Kind;
using testing::TestEpoch;

class IntakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pipeline_ = std::make_unique<testing::Pipeline>(dir_.File("herald.db"), clock_, registry_,
                                                    testing::Pipeline::Options{.max_part = 300});
    store_ = &pipeline_->store();
    intake_ = &pipeline_->intake();
    for (const char* id : {"c1", "c2"}) {
      ASSERT_TRUE(store_
                      ->MutateProfile(id,
                                      [id](const core::Profile*) -> absl::StatusOr<core::Profile> {
                                        core::Profile p;
                                        p.customer_id = id;
                                        p.email = std::string(id) + "@example.nl";
                                        return p;
                                      })
                      .ok());
    }
  }

  std::vector<IntakeOutcome> Process(const std::vector<std::string>& bodies,
                                     const std::string& content_type = "") {
    std::vector<RawEvent> batch;
    for (size_t i = 0; i < bodies.size(); ++i) {
      batch.push_back({bodies[i], content_type, "test/" + std::to_string(i)});
    }
    auto outcomes = intake_->Process(batch, "kafka");
    EXPECT_TRUE(outcomes.ok()) << outcomes.status();
    return outcomes.ok() ? *outcomes : std::vector<IntakeOutcome>{};
  }

  std::vector<core::Notification> NotificationsOf(const std::string& event_id) {
    store::NotificationFilter filter;
    filter.event_id = event_id;
    auto page = store_->ListNotifications(filter, "", 10'000);
    EXPECT_TRUE(page.ok());
    return page->items;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_{TestEpoch()};
  prometheus::Registry registry_;
  std::unique_ptr<testing::Pipeline> pipeline_;
  store::Store* store_ = nullptr;
  Intake* intake_ = nullptr;
};

// Fails every RecordIntake after the first `good` ones: a crash between the parts of an
// audience, as far as the store can tell.
class FailingAfter final : public store::IntakeStore {
 public:
  FailingAfter(store::IntakeStore& store, int good) : store_(store), good_(good) {}
  absl::StatusOr<std::vector<store::KnownEvent>> KnownEvents(
      const std::vector<std::string>& ids) override {
    return store_.KnownEvents(ids);
  }
  absl::StatusOr<std::vector<std::string>> RecordedNotificationIds(int64_t event_seq) override {
    return store_.RecordedNotificationIds(event_seq);
  }
  std::future<absl::StatusOr<std::vector<store::IntakeResult>>> RecordIntakeAsync(
      std::vector<store::IntakeItem> items, std::vector<store::CustomerVersion> decided_on,
      std::function<void()> on_done) override {
    if (good_-- <= 0) {
      std::promise<absl::StatusOr<std::vector<store::IntakeResult>>> failed;
      failed.set_value(absl::UnavailableError("the disk went away"));
      if (on_done) on_done();
      return failed.get_future();
    }
    return store_.RecordIntakeAsync(std::move(items), std::move(decided_on), std::move(on_done));
  }

 private:
  store::IntakeStore& store_;
  int good_;
};

TEST_F(IntakeTest, AnEventBecomesOneDecidedNotificationPerCustomerExactlyOnce) {
  const std::string body = testing::OrderShipped("e1", "c1", TestEpoch()).SerializeAsString();
  auto first = Process({body});
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].kind, Kind::kRecorded);
  EXPECT_EQ(first[0].notifications_created, 1);
  auto notifications = NotificationsOf("e1");
  ASSERT_EQ(notifications.size(), 1u);
  EXPECT_EQ(notifications[0].customer_id, "c1");
  // Decided as it was recorded: nothing here is triggered by order.shipped.
  EXPECT_EQ(notifications[0].state, core::NotificationState::kSuppressed);
  ASSERT_TRUE(notifications[0].decision);
  EXPECT_EQ(notifications[0].decision->reason, core::DecisionReason::kNoTemplate);
  EXPECT_EQ(notifications[0].notification_id, core::NotificationId("e1", "c1", ""));

  // The same event again, alone and twice within one batch: nothing new.
  auto again = Process({body, body});
  EXPECT_EQ(again[0].kind, Kind::kDuplicate);
  EXPECT_EQ(again[1].kind, Kind::kDuplicate);
  EXPECT_EQ(NotificationsOf("e1").size(), 1u);
}

TEST_F(IntakeTest, JsonAndProtobufAreTheSameEvent) {
  const std::string json = R"({"event_id": "e-json", "event_type": "order.delayed",
      "occur_time": "2026-03-01T11:00:00Z", "customer_id": "c2",
      "order": {"order_id": "o-9", "delay_reason": "storm"}})";
  auto outcomes = Process({json}, "application/json");
  ASSERT_EQ(outcomes[0].kind, Kind::kRecorded) << outcomes[0].rejection->Message();
  EXPECT_EQ(NotificationsOf("e-json").size(), 1u);
}

TEST_F(IntakeTest, AnAudienceFansOutToEveryCustomer) {
  std::vector<std::string> customers;
  for (int i = 0; i < 1000; ++i) customers.push_back("cust-" + std::to_string(i));
  auto outcomes =
      Process({testing::Outage("outage-1", customers, TestEpoch()).SerializeAsString()});
  ASSERT_EQ(outcomes[0].kind, Kind::kRecorded);
  EXPECT_EQ(outcomes[0].customers, 1000);
  EXPECT_EQ(outcomes[0].notifications_created, 1000);
  EXPECT_EQ(NotificationsOf("outage-1").size(), 1000u);
}

TEST_F(IntakeTest, AnAudienceCutShortBetweenItsPartsIsCompletedWhenItComesAgain) {
  std::vector<std::string> customers;
  for (int i = 0; i < 1000; ++i) customers.push_back("cust-" + std::to_string(i));
  const std::string body = testing::Outage("outage-2", customers, TestEpoch()).SerializeAsString();
  // Parts of 300: the first two are recorded, then the store fails.
  FailingAfter failing(*store_, 2);
  Intake crashing(failing, pipeline_->templates(), pipeline_->decider(), clock_, EventLimits{},
                  registry_, Intake::Options{.max_part = 300});
  auto cut = crashing.Process({{body, "", "test/0"}}, "kafka");
  EXPECT_EQ(cut.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(NotificationsOf("outage-2").size(), 600u);

  // Read again (the offset was not committed): the rest is added, nothing twice.
  auto again = Process({body});
  ASSERT_EQ(again[0].kind, Kind::kRecorded);
  EXPECT_EQ(again[0].notifications_created, 400);
  EXPECT_EQ(NotificationsOf("outage-2").size(), 1000u);
  // Now it is whole: a third time is a duplicate.
  EXPECT_EQ(Process({body})[0].kind, Kind::kDuplicate);
}

// Keeps the work an audience is split into, as the fan-out topic would (or refuses it).
class KeptFanout final : public FanoutSink {
 public:
  absl::Status Publish(const std::vector<FanoutWork>& work) override {
    if (refuse) return absl::UnavailableError("the broker is away");
    kept.insert(kept.end(), work.begin(), work.end());
    return absl::OkStatus();
  }
  std::vector<FanoutWork> kept;
  bool refuse = false;
};

TEST_F(IntakeTest, ALargeAudienceIsSplitIntoWorkPerCustomerDecidedWhereItLands) {
  KeptFanout fanout;
  Intake splitting(
      *store_, pipeline_->templates(), pipeline_->decider(), clock_, EventLimits{}, registry_,
      Intake::Options{
          .max_part = 5000, .fanout = &fanout, .fanout_min_audience = 100, .events = store_});
  std::vector<std::string> customers;
  for (int i = 0; i < 1000; ++i) customers.push_back("cust-" + std::to_string(i));
  const std::string body = testing::Outage("outage-3", customers, TestEpoch()).SerializeAsString();
  auto split = splitting.Process({{body, "", "test/0"}}, "kafka");
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_EQ(split->at(0).kind, Kind::kRecorded);
  EXPECT_EQ(split->at(0).notifications_created, 0);  // made where the customers are owned
  EXPECT_TRUE(NotificationsOf("outage-3").empty());
  ASSERT_EQ(fanout.kept.size(), 1000u);
  EXPECT_EQ(fanout.kept[7].customer_id, "cust-7");
  EXPECT_EQ(store_->KnownEvents({"outage-3"})->at(0).state, store::KnownEvent::State::kComplete);
  // A small audience is still decided here.
  std::vector<std::string> few = {"c1", "c2"};
  auto small = splitting.Process(
      {{testing::Outage("outage-4", few, TestEpoch()).SerializeAsString(), "", "test/1"}}, "kafka");
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(small->at(0).notifications_created, 2);

  // Two instances each decide the customers whose partitions they own.
  std::vector<std::optional<FanoutWork>> even, odd;
  for (size_t i = 0; i < fanout.kept.size(); ++i) (i % 2 ? odd : even).push_back(fanout.kept[i]);
  for (const auto* half : {&even, &odd}) {
    auto decided = intake_->ProcessFanout(*half, "kafka");
    ASSERT_TRUE(decided.ok()) << decided.status();
    int created = 0;
    for (const IntakeOutcome& o : *decided) created += o.notifications_created;
    EXPECT_EQ(created, 500);
  }
  std::vector<core::Notification> made = NotificationsOf("outage-3");
  ASSERT_EQ(made.size(), 1000u);
  EXPECT_EQ(made.back().customer_id, "cust-0");  // newest first
  // Work read again (a rebalance) makes nothing new; a record that is not work is refused.
  std::vector<std::optional<FanoutWork>> again(fanout.kept.begin(), fanout.kept.begin() + 10);
  again.push_back(std::nullopt);
  auto repeated = intake_->ProcessFanout(again, "kafka");
  ASSERT_TRUE(repeated.ok()) << repeated.status();
  for (size_t i = 0; i < 10; ++i) EXPECT_EQ(repeated->at(i).notifications_created, 0);
  EXPECT_EQ(repeated->back().kind, Kind::kRejected);
  EXPECT_EQ(NotificationsOf("outage-3").size(), 1000u);
}

TEST_F(IntakeTest, AnAudienceWhoseSplitFailedIsSplitAgainWhenItComesAgain) {
  KeptFanout fanout;
  Intake splitting(
      *store_, pipeline_->templates(), pipeline_->decider(), clock_, EventLimits{}, registry_,
      Intake::Options{
          .max_part = 5000, .fanout = &fanout, .fanout_min_audience = 100, .events = store_});
  std::vector<std::string> customers;
  for (int i = 0; i < 200; ++i) customers.push_back("cust-" + std::to_string(i));
  const std::string body = testing::Outage("outage-5", customers, TestEpoch()).SerializeAsString();
  fanout.refuse = true;
  auto failed = splitting.Process({{body, "", "test/0"}}, "kafka");
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kUnavailable);
  // Recorded, not yet handed on: read again (the offset was not committed), it is split again.
  EXPECT_EQ(store_->KnownEvents({"outage-5"})->at(0).state, store::KnownEvent::State::kPartial);
  fanout.refuse = false;
  auto split = splitting.Process({{body, "", "test/0"}}, "kafka");
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_EQ(split->at(0).kind, Kind::kRecorded);
  EXPECT_EQ(fanout.kept.size(), 200u);
  EXPECT_EQ(store_->KnownEvents({"outage-5"})->at(0).state, store::KnownEvent::State::kComplete);
  auto third = splitting.Process({{body, "", "test/0"}}, "kafka");
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->at(0).kind, Kind::kDuplicate);
  EXPECT_EQ(fanout.kept.size(), 200u);
}

TEST_F(IntakeTest, FanoutRecordsReadBackAsWritten) {
  const FanoutWork work{42, "outage 7", "cust-9", TestEpoch() + std::chrono::microseconds(3)};
  const ingest::TopicRecord record = FanoutRecord(work);
  EXPECT_EQ(record.key, "cust-9");
  EXPECT_EQ(ReadFanoutRecord(record.key, record.value), work);
  EXPECT_EQ(ReadFanoutRecord("cust-9", "something else"), std::nullopt);
  EXPECT_EQ(ReadFanoutRecord("", record.value), std::nullopt);
}

TEST_F(IntakeTest, BadEventsAreRejectedWithoutStoppingTheGoodOnes) {
  v1::Event unknown = testing::OrderShipped("e-unknown", "nobody", TestEpoch());
  v1::Event guest = testing::OrderShipped("e-guest", "guest-7", TestEpoch());
  guest.mutable_contact_overrides()->set_email("guest@example.nl");
  auto outcomes = Process({"garbage", unknown.SerializeAsString(),
                           testing::OrderShipped("e-good", "c2", TestEpoch()).SerializeAsString(),
                           guest.SerializeAsString()});
  ASSERT_EQ(outcomes.size(), 4u);
  EXPECT_EQ(outcomes[0].rejection->reason, RejectReason::kMalformedProtobuf);
  EXPECT_EQ(outcomes[1].rejection->reason, RejectReason::kUnknownCustomer);
  EXPECT_EQ(outcomes[1].event_id, "e-unknown");
  EXPECT_EQ(outcomes[2].kind, Kind::kRecorded);
  EXPECT_EQ(outcomes[3].kind, Kind::kRecorded);  // unknown, but reachable by its overrides
  EXPECT_TRUE(NotificationsOf("e-unknown").empty());

  const std::string metrics_text = [&] {
    std::string text;
    for (const auto& family : registry_.Collect()) {
      for (const auto& metric : family.metric) {
        text += family.name;
        for (const auto& label : metric.label) text += " " + label.name + "=" + label.value;
        text += " " + std::to_string(metric.counter.value) + "\n";
      }
    }
    return text;
  }();
  EXPECT_THAT(
      metrics_text,
      ::testing::HasSubstr("herald_events_rejected_total reason=UNKNOWN_CUSTOMER via=kafka 1"));
  EXPECT_THAT(metrics_text,
              ::testing::HasSubstr("herald_events_total result=recorded via=kafka 2"));
}

TEST_F(IntakeTest, ParsedEventsFromGrpcAreValidatedAndDeduplicatedTheSameWay) {
  v1::Event event = testing::OrderShipped("e-grpc", "c1", TestEpoch());
  v1::Event bad = event;
  bad.clear_event_type();
  auto outcomes = intake_->ProcessParsed({&event, &bad, &event}, "grpc");
  ASSERT_TRUE(outcomes.ok());
  EXPECT_EQ((*outcomes)[0].kind, Kind::kRecorded);
  EXPECT_EQ((*outcomes)[1].rejection->reason, RejectReason::kUnknownEventType);
  EXPECT_EQ((*outcomes)[2].kind, Kind::kDuplicate);
}

}  // namespace
}  // namespace herald::ingest
