// Events through the real Kafka protocol: a herald-devbroker process, heraldd processes
// consuming from it, and a librdkafka producer in this test as the backend system.
#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sqlite3.h>

#include <algorithm>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <thread>

#include "herald/v1/event.pb.h"
#include "herald/v1/notification_service.grpc.pb.h"
#include "herald/v1/profile_service.grpc.pb.h"
#include "herald/v1/template_service.grpc.pb.h"
#include "tests/integration/heraldd_process.h"
#include "tests/integration/kafka_clients.h"
#include "tests/support/built_binary.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace herald::testing {
namespace {

using ::testing::HasSubstr;

// Bounds for a broken build, not timing expectations: tests wait for a state.
constexpr std::chrono::seconds kLimit{90};

v1::Event Shipped(const std::string& id, const std::string& customer) {
  v1::Event e;
  e.set_event_id(id);
  e.set_event_type("order.shipped");
  *e.mutable_occur_time() = google::protobuf::util::TimeUtil::GetCurrentTime();
  e.set_customer_id(customer);
  e.mutable_contact_overrides()->set_email(customer + "@example.nl");
  e.mutable_order()->set_order_id("o-" + id);
  return e;
}

std::string Json(const v1::Event& e) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(e, &json, options);
  return json;
}

// Creates a template with English email and SMS content through the gRPC API.
void CreateTemplate(HeralddProcess& heraldd, const std::string& name, v1::Category category,
                    const std::vector<std::string>& event_types) {
  auto stub = v1::TemplateService::NewStub(heraldd.Channel());
  v1::CreateTemplateRequest request;
  v1::Template* t = request.mutable_template_();
  t->set_name(name);
  t->set_category(category);
  for (const auto& type : event_types) t->add_event_types(type);
  t->set_default_locale("en");
  v1::LocalizedContent* en = t->add_contents();
  en->set_locale("en");
  en->mutable_email()->set_subject("About {{event.type}}");
  en->mutable_email()->set_text_body(
      "Hello {{customer.id}}, {{#order}}order {{order_id}}{{/order}}");
  en->mutable_sms()->set_text("{{event.type}} {{order.order_id}}");
  v1::CreateTemplateResponse response;
  grpc::Status status = stub->CreateTemplate(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
}

// Event ids with notifications in a stopped heraldd's SQLite file.
std::set<std::string> EventIdsIn(const std::string& db_path) {
  std::set<std::string> ids;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db,
                           "SELECT DISTINCT e.event_id FROM notifications n JOIN events e ON "
                           "e.event_seq = n.event_seq",
                           -1, &stmt, nullptr) == SQLITE_OK) {
      while (sqlite3_step(stmt) == SQLITE_ROW) {
        ids.insert(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
      }
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return ids;
}

bool WaitFor(const std::function<bool()>& done) { return testing::WaitFor(done, kLimit); }

class KafkaIntakeTest : public ::testing::Test {
 public:
  void SetUp() override {
    broker_ = std::make_unique<Subprocess>(
        std::vector<std::string>{BuiltBinary(DEVBROKER_PATH), "--partitions", "4"});
    auto ready = broker_->WaitForLine("msg=\"ready\"", std::chrono::seconds(30));
    ASSERT_TRUE(ready.has_value()) << broker_->Stderr();
    std::smatch match;
    ASSERT_TRUE(std::regex_search(*ready, match, std::regex("bootstrap=([^ ]+)")));
    bootstrap_ = match[1];
    producer_ = std::make_unique<TestProducer>(bootstrap_);
  }

  // cooperative-sticky needs three or more brokers on the mock cluster.
  virtual int Brokers() const { return 1; }

  void TearDown() override {
    producer_.reset();
    broker_->Signal(SIGTERM);
    broker_->Wait();
  }

  std::unique_ptr<HeralddProcess> StartHeraldd(const TempDir& dir, const std::string& extra = "") {
    auto heraldd = std::make_unique<HeralddProcess>(
        dir.path().string(), dir.File("herald.db"),
        "kafka:\n  embedded: false\n  bootstrap_servers: " + bootstrap_ +
            "\n  max_batch_wait: 5ms\n  consumer_properties:\n    session.timeout.ms: \"6000\"\n"
            "    heartbeat.interval.ms: \"500\"\n" +
            extra);
    EXPECT_TRUE(heraldd->ready()) << heraldd->process().Stderr();
    return heraldd;
  }

  // Every notification id heraldd has recorded.
  static std::vector<v1::Notification> Notifications(HeralddProcess& heraldd) {
    auto stub = v1::NotificationService::NewStub(heraldd.Channel());
    std::vector<v1::Notification> all;
    v1::ListNotificationsRequest request;
    request.set_page_size(1000);
    do {
      v1::ListNotificationsResponse response;
      if (!stub->ListNotifications(Context().get(), request, &response).ok()) break;
      all.insert(all.end(), response.notifications().begin(), response.notifications().end());
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
    return all;
  }

  std::unique_ptr<Subprocess> broker_;
  std::string bootstrap_;
  std::unique_ptr<TestProducer> producer_;
};

TEST_F(KafkaIntakeTest, ProtobufAndJsonEventsAreRecordedExactlyOnce) {
  TempDir dir;
  auto heraldd = StartHeraldd(dir);
  for (int i = 0; i < 40; ++i) {
    v1::Event e = Shipped("p-" + std::to_string(i), "cust-" + std::to_string(i % 7));
    producer_->Send("herald.orders", e.customer_id(), e.SerializeAsString());
    v1::Event j = Shipped("j-" + std::to_string(i), "cust-" + std::to_string(i % 5));
    producer_->Send("herald.orders", j.customer_id(), Json(j), "application/json");
  }
  // The first ten of each again: a producer retrying.
  for (int i = 0; i < 10; ++i) {
    v1::Event e = Shipped("p-" + std::to_string(i), "cust-" + std::to_string(i % 7));
    producer_->Send("herald.orders", e.customer_id(), e.SerializeAsString());
    v1::Event j = Shipped("j-" + std::to_string(i), "cust-" + std::to_string(i % 5));
    producer_->Send("herald.orders", j.customer_id(), Json(j), "application/json");
  }
  producer_->Flush();
  ASSERT_TRUE(WaitFor([&] { return heraldd->Metric("herald_kafka_messages_total") >= 100; }))
      << heraldd->process().Stderr();
  ASSERT_TRUE(WaitFor([&] { return heraldd->Metric("herald_events_total") >= 100; }));
  auto notifications = Notifications(*heraldd);
  std::set<std::string> events;
  for (const auto& n : notifications) events.insert(n.event_id());
  EXPECT_EQ(notifications.size(), 80u);
  EXPECT_EQ(events.size(), 80u);
  EXPECT_EQ(heraldd->Metric("herald_dead_letters_total"), 0);
  EXPECT_EQ(heraldd->Stop(), 0);
}

TEST_F(KafkaIntakeTest, EveryKindOfBadInputIsDeadLetteredWithItsReason) {
  TempDir dir;
  auto heraldd = StartHeraldd(dir, "ingest:\n  max_event_bytes: 2048\n");
  std::vector<std::pair<std::string, std::string>> expected;  // reason, value
  auto send = [&](const std::string& reason, const std::string& value,
                  const std::string& content_type = "") {
    producer_->Send("herald.orders", "key-" + reason, value, content_type);
    expected.emplace_back(reason, value);
  };
  const std::string wire = Shipped("t1", "c1").SerializeAsString();
  send("MALFORMED_PROTOBUF", wire.substr(0, wire.size() - 3));
  send("MALFORMED_JSON", R"({"event_id": 7})", "application/json");
  send("INVALID_UTF8", "{\"event_id\": \"\xc3\x28\"}", "application/json");
  send("UNSUPPORTED_CONTENT_TYPE", "<event/>", "text/xml");
  v1::Event e = Shipped("t2", "c1");
  e.set_event_type("order.beamed");
  send("UNKNOWN_EVENT_TYPE", e.SerializeAsString());
  e = Shipped("", "c1");
  send("MISSING_EVENT_ID", e.SerializeAsString());
  e = Shipped("t3", "c1");
  e.set_event_type("fraud.card_blocked");
  send("PAYLOAD_MISMATCH", e.SerializeAsString());
  e = Shipped("t4", "c1");
  e.mutable_occur_time()->set_seconds(e.occur_time().seconds() + 86400 * 365 * 10);
  send("BAD_TIMESTAMP", e.SerializeAsString());
  e = Shipped("t5", "c1");
  e.clear_customer_id();
  send("MISSING_CUSTOMER", e.SerializeAsString());
  e = Shipped("t6", "stranger");
  e.clear_contact_overrides();
  send("UNKNOWN_CUSTOMER", e.SerializeAsString());
  e = Shipped("t7", "c1");
  (*e.mutable_attributes())["note"] = std::string(4096, 'x');
  send("OVERSIZED", e.SerializeAsString());
  producer_->Flush();

  auto letters = ReadTopic(bootstrap_, "herald.dlq", expected.size(), kLimit);
  ASSERT_EQ(letters.size(), expected.size()) << heraldd->process().Stderr();
  std::map<std::string, ReadMessage> by_reason;
  for (auto& letter : letters) by_reason[letter.headers["herald-dlq-reason"]] = letter;
  for (const auto& [reason, value] : expected) {
    ASSERT_TRUE(by_reason.contains(reason)) << reason;
    ReadMessage& letter = by_reason[reason];
    EXPECT_EQ(letter.value, value) << reason;  // the original bytes
    EXPECT_EQ(letter.key, "key-" + reason);
    EXPECT_EQ(letter.headers["herald-source-topic"], "herald.orders");
    EXPECT_FALSE(letter.headers["herald-source-offset"].empty());
    EXPECT_FALSE(letter.headers["herald-dlq-detail"].empty()) << reason;
    EXPECT_FALSE(letter.headers["herald-dlq-time"].empty());
  }
  EXPECT_THAT(by_reason["MISSING_EVENT_ID"].headers["herald-dlq-detail"],
              HasSubstr("event.event_id: must be set"));

  // Still healthy, and still taking good events.
  httplib::Client http("127.0.0.1", heraldd->http_port());
  EXPECT_EQ(http.Get("/readyz")->status, 200);
  v1::Event good = Shipped("after-bad", "c1");
  producer_->Send("herald.orders", "c1", good.SerializeAsString());
  producer_->Flush();
  ASSERT_TRUE(WaitFor([&] { return Notifications(*heraldd).size() == 1; }));
  EXPECT_EQ(heraldd->Metric("herald_dead_letters_total"), static_cast<double>(expected.size()));
  EXPECT_EQ(heraldd->Stop(), 0);
}

TEST_F(KafkaIntakeTest, AKilledConsumerLosesNothingAndDuplicatesNothing) {
  constexpr int kEvents = 400;
  for (int i = 0; i < kEvents; ++i) {
    v1::Event e = Shipped("k-" + std::to_string(i), "cust-" + std::to_string(i % 31));
    producer_->Send(i % 2 ? "herald.orders" : "herald.service", e.customer_id(),
                    e.SerializeAsString());
  }
  producer_->Flush();
  TempDir dir;
  {
    // Small batches and no commits before the kill: the restart gets every message
    // again, and must recognize what it already recorded.
    auto first = StartHeraldd(dir, "    auto.commit.interval.ms: \"600000\"\n  max_batch: 20\n");
    ASSERT_TRUE(WaitFor([&] { return Notifications(*first).size() >= 40; }));
    first->process().Signal(SIGKILL);
    first->process().Wait();
  }
  auto second = StartHeraldd(dir);
  ASSERT_TRUE(WaitFor([&] { return Notifications(*second).size() >= kEvents; }))
      << Notifications(*second).size() << " of " << kEvents;
  // Everything the group still had to read has been read: no more arrive.
  ASSERT_TRUE(WaitFor([&] {
    return second->Metric("herald_kafka_consumer_lag") == 0 &&
           second->Metric("herald_events_total") >= 1;
  }));
  auto notifications = Notifications(*second);
  std::set<std::string> events;
  for (const auto& n : notifications) events.insert(n.event_id());
  EXPECT_EQ(notifications.size(), static_cast<size_t>(kEvents));
  EXPECT_EQ(events.size(), static_cast<size_t>(kEvents));
  EXPECT_GE(second->Metric("herald_events_total", "result=\"duplicate\""), 40);
  EXPECT_EQ(second->Metric("herald_events_total"), kEvents);
  EXPECT_EQ(second->Stop(), 0);
}

// Two members share the partitions; one leaves while events keep coming; nothing is
// lost. `properties` are extra librdkafka properties for both members.
void SplitAndRebalance(KafkaIntakeTest& test, const std::string& properties,
                       const std::string& protocol) {
  int next = 0;
  auto produce = [&](int count) {
    for (int i = 0; i < count; ++i, ++next) {
      v1::Event e = Shipped("r-" + std::to_string(next), "cust-" + std::to_string(next % 53));
      test.producer_->Send(next % 2 ? "herald.orders" : "herald.fraud", e.customer_id(),
                           e.SerializeAsString());
    }
    test.producer_->Flush();
  };
  // Each instance has its own SQLite file here, so the union of both is what the
  // group recorded.
  TempDir dir_a, dir_b;
  auto a = test.StartHeraldd(dir_a, properties);
  auto b = test.StartHeraldd(dir_b, properties);
  auto recorded = [&] {
    std::set<std::string> events;
    for (HeralddProcess* h : {a.get(), b.get()}) {
      for (const auto& n : KafkaIntakeTest::Notifications(*h)) events.insert(n.event_id());
    }
    return events.size();
  };
  produce(200);
  ASSERT_TRUE(WaitFor([&] { return recorded() == 200; })) << recorded();
  ASSERT_TRUE(WaitFor([&] {
    return KafkaIntakeTest::Notifications(*a).size() > 0 &&
           KafkaIntakeTest::Notifications(*b).size() > 0;
  })) << "both members should have partitions";
  // Each got a share, not everything: 8 partitions, two members.
  EXPECT_LT(KafkaIntakeTest::Notifications(*a).size(), 200u);
  EXPECT_LT(KafkaIntakeTest::Notifications(*b).size(), 200u);

  // B leaves while events keep coming; A takes over B's partitions.
  produce(50);
  EXPECT_EQ(b->Stop(), 0);
  EXPECT_THAT(b->process().Stderr(), HasSubstr("msg=\"partitions revoked\""));
  const std::set<std::string> by_b = EventIdsIn(dir_b.File("herald.db"));
  produce(50);
  auto with_a = [&] {
    std::set<std::string> events = by_b;
    for (const auto& n : KafkaIntakeTest::Notifications(*a)) events.insert(n.event_id());
    return events.size();
  };
  ASSERT_TRUE(WaitFor([&] { return with_a() == 300; })) << with_a();
  EXPECT_EQ(a->Stop(), 0);
  EXPECT_THAT(a->process().Stderr(), HasSubstr("protocol=" + protocol));
}

TEST_F(KafkaIntakeTest, TwoConsumersSplitThePartitionsAndARebalanceLosesNothing) {
  SplitAndRebalance(*this, "", "eager");
}

class KafkaCooperativeTest : public KafkaIntakeTest {
 public:
  int Brokers() const override { return 3; }
};

TEST_F(KafkaCooperativeTest, CooperativeStickyMembersSplitAndRebalanceLosingNothing) {
  SplitAndRebalance(*this, "    partition.assignment.strategy: cooperative-sticky\n",
                    "cooperative");
}

TEST_F(KafkaIntakeTest, TheProfilesTopicCreatesChangesAndDeletesProfiles) {
  TempDir dir;
  auto heraldd = StartHeraldd(dir);
  auto profiles = v1::ProfileService::NewStub(heraldd->Channel());
  auto get = [&](v1::CustomerProfile* out) {
    v1::GetProfileRequest request;
    request.set_customer_id("crm-1");
    v1::GetProfileResponse response;
    grpc::Status status = profiles->GetProfile(Context().get(), request, &response);
    *out = response.profile();
    return status;
  };
  producer_->Send("herald.profiles", "crm-1", R"({"profile": {"customer_id": "crm-1",
      "email": "anna@example.nl", "phone": "+31612345678", "time_zone": "Europe/Amsterdam",
      "consents": [{"category": "CATEGORY_SURVEY", "channel": "CHANNEL_EMAIL",
                    "state": "CONSENT_STATE_GRANTED", "source": "crm"}]},
      "allow_missing": true})",
                  "application/json");
  producer_->Flush();
  v1::CustomerProfile profile;
  ASSERT_TRUE(WaitFor([&] { return get(&profile).ok(); })) << heraldd->process().Stderr();
  EXPECT_EQ(profile.consents(0).state(), v1::CONSENT_STATE_GRANTED);

  // An event for the customer now needs no contact data of its own.
  v1::Event event = Shipped("crm-event", "crm-1");
  event.clear_contact_overrides();
  producer_->Send("herald.orders", "crm-1", event.SerializeAsString());
  // The customer withdraws the survey consent at the CRM: only consents change.
  v1::UpdateProfileRequest withdraw;
  withdraw.mutable_profile()->set_customer_id("crm-1");
  v1::Consent* consent = withdraw.mutable_profile()->add_consents();
  consent->set_category(v1::CATEGORY_SURVEY);
  consent->set_channel(v1::CHANNEL_EMAIL);
  consent->set_state(v1::CONSENT_STATE_DENIED);
  consent->set_source("crm");
  withdraw.mutable_update_mask()->add_paths("consents");
  producer_->Send("herald.profiles", "crm-1", withdraw.SerializeAsString());
  // Two bad changes: an invalid phone, and a key that is not the profile's id.
  producer_->Send("herald.profiles", "crm-2",
                  R"({"profile": {"customer_id": "crm-2", "phone": "12"}, "allow_missing": true})",
                  "application/json");
  producer_->Send("herald.profiles", "crm-9", withdraw.SerializeAsString());
  producer_->Flush();

  ASSERT_TRUE(WaitFor([&] {
    return get(&profile).ok() && profile.consents(0).state() == v1::CONSENT_STATE_DENIED;
  }));
  EXPECT_EQ(profile.email(), "anna@example.nl");  // untouched by the masked update
  ASSERT_TRUE(WaitFor([&] { return Notifications(*heraldd).size() == 1; }));
  auto letters = ReadTopic(bootstrap_, "herald.dlq", 2, kLimit);
  ASSERT_EQ(letters.size(), 2u);
  std::map<std::string, ReadMessage> by_key;
  for (auto& letter : letters) by_key[letter.key] = letter;
  EXPECT_EQ(by_key["crm-2"].headers["herald-dlq-reason"], "INVALID_PROFILE");
  EXPECT_THAT(by_key["crm-2"].headers["herald-dlq-detail"], HasSubstr("profile.phone"));
  EXPECT_EQ(by_key["crm-9"].headers["herald-dlq-reason"], "INVALID_PROFILE");
  EXPECT_EQ(by_key["crm-9"].headers["herald-source-topic"], "herald.profiles");

  // Erasure: a tombstone deletes the profile.
  producer_->SendTombstone("herald.profiles", "crm-1");
  producer_->Flush();
  ASSERT_TRUE(WaitFor([&] { return get(&profile).error_code() == grpc::StatusCode::NOT_FOUND; }));
  profiles.reset();
  EXPECT_EQ(heraldd->Stop(), 0);
}

TEST_F(KafkaIntakeTest, AFullBacklogPausesConsumptionUntilItDrains) {
  TempDir dir;
  auto heraldd = StartHeraldd(
      dir, "  max_batch: 10\ningest:\n  max_backlog: 30\npolicy:\n  quiet_hours: \"off\"\n");
  // Decided to send, and nothing dispatches yet: the outbox fills.
  CreateTemplate(*heraldd, "order-shipped", v1::CATEGORY_ORDER_UPDATE, {"order.shipped"});
  for (int i = 0; i < 100; ++i) {
    v1::Event e = Shipped("bp-" + std::to_string(i), "cust-" + std::to_string(i));
    producer_->Send("herald.orders", e.customer_id(), e.SerializeAsString());
  }
  producer_->Flush();
  ASSERT_TRUE(WaitFor([&] { return heraldd->Metric("herald_intake_paused") == 1; }))
      << heraldd->process().Stderr();
  // Paused with work left in Kafka, not in memory: the lag shows it.
  ASSERT_TRUE(WaitFor([&] { return heraldd->Metric("herald_kafka_consumer_lag") > 0; }))
      << Notifications(*heraldd).size() << " recorded\n"
      << heraldd->process().Stderr();
  const size_t while_paused = Notifications(*heraldd).size();
  EXPECT_GE(while_paused, 30u);
  // At most the batches in hand when the backlog filled: one decided while the one
  // before it was written.
  EXPECT_LE(while_paused, 50u);

  for (const auto& n : Notifications(*heraldd)) {
    EXPECT_THAT(n.state(),
                ::testing::AnyOf(v1::NOTIFICATION_STATE_PENDING, v1::NOTIFICATION_STATE_QUEUED));
  }

  // Delivery takes the queued work (here: the test marks it sent).
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir.File("herald.db").c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 10'000);
  auto drain = [&] {
    return sqlite3_exec(db, "UPDATE notifications SET state = 'SENT' WHERE state = 'QUEUED'",
                        nullptr, nullptr, nullptr) == SQLITE_OK;
  };
  ASSERT_TRUE(drain());
  ASSERT_TRUE(WaitFor([&] {
    drain();
    return Notifications(*heraldd).size() == 100;
  })) << Notifications(*heraldd).size();
  sqlite3_close(db);
  EXPECT_EQ(heraldd->Stop(), 0);
  EXPECT_THAT(heraldd->process().Stderr(), HasSubstr("msg=\"consumption resumed\""));
}

// The contact policy end to end: events from Kafka, profiles and templates from the
// API, every decision stored, the contact history per customer, and explain.
TEST_F(KafkaIntakeTest, EventsLeaveADecisionLogThatExplainsEveryOutcome) {
  TempDir dir;
  auto heraldd = StartHeraldd(dir, "policy:\n  quiet_hours: \"off\"\n");
  CreateTemplate(*heraldd, "order-shipped", v1::CATEGORY_ORDER_UPDATE, {"order.shipped"});
  CreateTemplate(*heraldd, "satisfaction", v1::CATEGORY_SURVEY, {"service.complaint_resolved"});
  CreateTemplate(*heraldd, "login-alert", v1::CATEGORY_SECURITY, {"fraud.suspicious_login"});

  auto profiles = v1::ProfileService::NewStub(heraldd->Channel());
  auto create = [&](v1::CustomerProfile p) {
    v1::CreateProfileRequest request;
    *request.mutable_profile() = std::move(p);
    v1::CreateProfileResponse response;
    grpc::Status status = profiles->CreateProfile(Context().get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  };
  auto consent = [](v1::CustomerProfile& p, v1::Category category, v1::ConsentState state) {
    v1::Consent* c = p.add_consents();
    c->set_category(category);
    c->set_channel(v1::CHANNEL_EMAIL);
    c->set_state(state);
    c->set_source("preference-centre");
  };
  v1::CustomerProfile alice;  // reachable both ways, prefers SMS, said yes to surveys
  alice.set_customer_id("alice");
  alice.set_email("alice@example.nl");
  alice.set_phone("+31612345678");
  alice.add_preferred_channels(v1::CHANNEL_SMS);
  alice.add_preferred_channels(v1::CHANNEL_EMAIL);
  consent(alice, v1::CATEGORY_SURVEY, v1::CONSENT_STATE_GRANTED);
  create(alice);
  v1::CustomerProfile bob;  // email only; refuses order updates and security mail
  bob.set_customer_id("bob");
  bob.set_email("bob@example.nl");
  consent(bob, v1::CATEGORY_ORDER_UPDATE, v1::CONSENT_STATE_DENIED);
  consent(bob, v1::CATEGORY_SECURITY, v1::CONSENT_STATE_DENIED);
  create(bob);
  v1::CustomerProfile carol;  // quiet from an hour ago to an hour from now, in UTC
  carol.set_customer_id("carol");
  carol.set_email("carol@example.nl");
  carol.set_time_zone("UTC");
  const auto now = std::chrono::system_clock::now();
  const int minute_of_day = static_cast<int>(std::chrono::duration_cast<std::chrono::minutes>(
                                                 now - std::chrono::floor<std::chrono::days>(now))
                                                 .count());
  auto time_of_day = [](v1::TimeOfDay* t, int minute) {
    minute = (minute + 1440) % 1440;
    t->set_hours(minute / 60);
    t->set_minutes(minute % 60);
  };
  time_of_day(carol.mutable_quiet_hours()->mutable_start(), minute_of_day - 60);
  time_of_day(carol.mutable_quiet_hours()->mutable_end(), minute_of_day + 60);
  create(carol);
  profiles.reset();

  auto event = [](const std::string& id, const std::string& type, const std::string& customer) {
    v1::Event e = Shipped(id, customer);
    e.set_event_type(type);
    e.clear_contact_overrides();
    if (type.starts_with("service.")) {
      e.mutable_service()->mutable_complaint()->set_complaint_id("cmp-" + customer);
    } else if (type.starts_with("fraud.")) {
      e.mutable_fraud()->set_alert_id("alert-" + id);
    }
    return e;
  };
  for (const v1::Event& e :
       {event("ship-a", "order.shipped", "alice"), event("ship-b", "order.shipped", "bob"),
        event("ship-c", "order.shipped", "carol"),
        event("login-b", "fraud.suspicious_login", "bob"),
        event("complaint-a", "service.complaint_received", "alice")}) {
    const std::string topic = e.event_type().starts_with("order.")     ? "herald.orders"
                              : e.event_type().starts_with("service.") ? "herald.service"
                                                                       : "herald.fraud";
    producer_->Send(topic, e.customer_id(), e.SerializeAsString());
  }
  producer_->Flush();
  auto decided = [&](size_t count) {
    return WaitFor([&] {
      auto all = Notifications(*heraldd);
      return all.size() == count &&
             std::none_of(all.begin(), all.end(), [](const v1::Notification& n) {
               return n.state() == v1::NOTIFICATION_STATE_PENDING;
             });
    });
  };
  ASSERT_TRUE(decided(5)) << heraldd->process().Stderr();
  // The survey after the complaint was resolved: held back by the cooldown.
  producer_->Send("herald.service", "alice",
                  event("resolved-a", "service.complaint_resolved", "alice").SerializeAsString());
  producer_->Flush();
  ASSERT_TRUE(decided(6)) << heraldd->process().Stderr();

  std::map<std::string, v1::Notification> by_event;
  for (const auto& n : Notifications(*heraldd)) by_event[n.event_id()] = n;
  const v1::Notification& a = by_event["ship-a"];
  EXPECT_EQ(a.state(), v1::NOTIFICATION_STATE_QUEUED);
  EXPECT_EQ(a.decision().outcome(), v1::DECISION_OUTCOME_SEND);
  EXPECT_EQ(a.channel(), v1::CHANNEL_SMS);
  ASSERT_EQ(a.fallback_channels_size(), 1);
  EXPECT_EQ(a.fallback_channels(0), v1::CHANNEL_EMAIL);
  EXPECT_EQ(a.category(), v1::CATEGORY_ORDER_UPDATE);
  EXPECT_EQ(a.template_version(), 1);
  {  // Nothing is rendered before its hand-off (there is no connector here to take it).
    auto notifications = v1::NotificationService::NewStub(heraldd->Channel());
    v1::GetNotificationRequest get;
    get.set_notification_id(a.notification_id());
    v1::GetNotificationResponse got;
    ASSERT_TRUE(notifications->GetNotification(Context().get(), get, &got).ok());
    EXPECT_EQ(got.notification().messages_size(), 0);
  }
  EXPECT_EQ(by_event["ship-b"].state(), v1::NOTIFICATION_STATE_SUPPRESSED);
  EXPECT_EQ(by_event["ship-b"].decision().reason(), "NO_CONSENT");
  EXPECT_EQ(by_event["login-b"].state(), v1::NOTIFICATION_STATE_QUEUED);  // SECURITY anyway
  EXPECT_EQ(by_event["login-b"].channel(), v1::CHANNEL_EMAIL);
  const v1::Notification& c = by_event["ship-c"];
  EXPECT_EQ(c.state(), v1::NOTIFICATION_STATE_DEFERRED);
  EXPECT_EQ(c.decision().reason(), "QUIET_HOURS");
  const int64_t defer_s = c.decision().defer_until_time().seconds();
  const int64_t now_s =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  EXPECT_GT(defer_s, now_s + 55 * 60);
  EXPECT_LT(defer_s, now_s + 65 * 60);
  EXPECT_EQ(by_event["complaint-a"].decision().reason(), "NO_TEMPLATE");
  EXPECT_EQ(by_event["resolved-a"].decision().reason(), "COMPLAINT_COOLDOWN");
  EXPECT_EQ(heraldd->Metric("herald_decisions_total", "reason=\"NO_CONSENT\""), 1);

  // The contact history of a customer: everything, newest first.
  auto stub = v1::NotificationService::NewStub(heraldd->Channel());
  v1::ListNotificationsRequest list;
  list.mutable_filter()->set_customer_id("alice");
  v1::ListNotificationsResponse history;
  ASSERT_TRUE(stub->ListNotifications(Context().get(), list, &history).ok());
  ASSERT_EQ(history.notifications_size(), 3);
  EXPECT_EQ(history.notifications(0).event_id(), "resolved-a");
  // (ship-a and complaint-a came on different topics, in either order.)
  EXPECT_THAT((std::set<std::string>{history.notifications(1).event_id(),
                                     history.notifications(2).event_id()}),
              ::testing::ElementsAre("complaint-a", "ship-a"));

  // Why didn't bob get a message about his order?
  v1::ExplainNotificationRequest why;
  why.set_customer_id("bob");
  why.set_event_id("ship-b");
  v1::ExplainNotificationResponse answer;
  grpc::Status status = stub->ExplainNotification(Context().get(), why, &answer);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(answer.notifications_size(), 1);
  EXPECT_THAT(answer.summary(), HasSubstr("not sent: NO_CONSENT"));
  EXPECT_THAT(answer.summary(), HasSubstr("ORDER_UPDATE consent DENIED by preference-centre"));
  bool refused = false;
  for (const auto& e : answer.evaluations()) {
    if (!e.passed() && e.rule() == "channel" && e.detail().find("DENIED") != std::string::npos) {
      refused = true;
    }
  }
  EXPECT_TRUE(refused) << answer.DebugString();
  // ... and why is alice not asked how we did?
  why.Clear();
  why.set_notification_id(by_event["resolved-a"].notification_id());
  answer.Clear();
  ASSERT_TRUE(stub->ExplainNotification(Context().get(), why, &answer).ok());
  EXPECT_THAT(answer.summary(), HasSubstr("COMPLAINT_COOLDOWN"));
  EXPECT_THAT(answer.summary(), HasSubstr("(event complaint-a)"));
  // An event Herald never recorded, and a malformed request.
  why.Clear();
  why.set_customer_id("bob");
  why.set_event_id("never-sent");
  status = stub->ExplainNotification(Context().get(), why, &answer);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("dead-letter"));
  why.clear_event_id();
  status = stub->ExplainNotification(Context().get(), why, &answer);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("event_id"));
  stub.reset();
  EXPECT_EQ(heraldd->Stop(), 0);

  // After a restart the deferred notification is still waiting, with its reason.
  auto again = StartHeraldd(dir, "policy:\n  quiet_hours: \"off\"\n");
  stub = v1::NotificationService::NewStub(again->Channel());
  v1::GetNotificationRequest get;
  get.set_notification_id(c.notification_id());
  v1::GetNotificationResponse got;
  ASSERT_TRUE(stub->GetNotification(Context().get(), get, &got).ok());
  EXPECT_EQ(got.notification().state(), v1::NOTIFICATION_STATE_DEFERRED);
  EXPECT_EQ(got.notification().decision().defer_until_time().seconds(), defer_s);
  ASSERT_EQ(got.notification().history_size(), 2);
  EXPECT_EQ(got.notification().history(1).state(), v1::NOTIFICATION_STATE_DEFERRED);
  stub.reset();
  EXPECT_EQ(again->Stop(), 0);
}

TEST_F(KafkaIntakeTest, AnOutageForAThousandCustomersYieldsAThousandNotifications) {
  TempDir dir;
  auto heraldd = StartHeraldd(dir);
  v1::Event outage;
  outage.set_event_id("outage-2026-11-22");
  outage.set_event_type("service.outage_started");
  *outage.mutable_occur_time() = google::protobuf::util::TimeUtil::GetCurrentTime();
  for (int i = 0; i < 1000; ++i) {
    outage.mutable_audience()->add_customer_ids("c-" + std::to_string(i));
  }
  outage.mutable_service()->mutable_outage()->set_service_name("internet");
  producer_->Send("herald.service", "area-1017", outage.SerializeAsString());
  producer_->Flush();
  ASSERT_TRUE(WaitFor([&] { return Notifications(*heraldd).size() >= 1000; }));
  std::set<std::string> customers;
  for (const auto& n : Notifications(*heraldd)) customers.insert(n.customer_id());
  EXPECT_EQ(customers.size(), 1000u);
  EXPECT_EQ(Notifications(*heraldd).size(), 1000u);
  EXPECT_EQ(heraldd->Stop(), 0);
}

}  // namespace
}  // namespace herald::testing
