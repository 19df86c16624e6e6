// The whole path in one heraldd process: events in over gRPC, the contact policy,
// rendering, and delivery by email to a real SMTP server (aiosmtpd) and by SMS to a
// real HTTP server; the SMTP server down for a while; a bounced number falling back to
// email; every state change on the status topic.
#include <gmock/gmock.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <functional>
#include <map>
#include <regex>
#include <thread>

#include "herald/v1/delivery_status.pb.h"
#include "herald/v1/event_service.grpc.pb.h"
#include "herald/v1/notification_service.grpc.pb.h"
#include "herald/v1/profile_service.grpc.pb.h"
#include "herald/v1/template_service.grpc.pb.h"
#include "services/tracking/receipts.h"
#include "tests/integration/heraldd_process.h"
#include "tests/integration/kafka_clients.h"
#include "tests/integration/sms_sink.h"
#include "tests/integration/smtp_sink.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace herald::testing {
namespace {

using ::testing::HasSubstr;

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return context;
}

// A receipt's body signed as a provider signs it, at `at` (now by default).
httplib::Headers Signed(const std::string& body, core::Time at = core::SystemClock().Now()) {
  httplib::Headers headers;
  for (const auto& [name, value] : tracking::SignReceipt("s3cret", body, at)) {
    headers.emplace(name, value);
  }
  return headers;
}

bool WaitFor(const std::function<bool()>& done) {
  return testing::WaitFor(done, std::chrono::seconds(30), std::chrono::milliseconds(50));
}

class DeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The config reads this secret from the environment, as a pod would.
    setenv("HERALD_TEST_UNSUBSCRIBE_SECRET", "unsubscribe-key-for-this-test", 1);
    smtp_ = std::make_unique<SmtpSink>(dir_.File("mail"));
    ASSERT_TRUE(smtp_->ready()) << smtp_->Stderr();
    const std::string yaml = core_yaml();
    heraldd_ = std::make_unique<HeralddProcess>(dir_.path().string(), dir_.File("herald.db"), yaml);
    ASSERT_TRUE(heraldd_->ready()) << heraldd_->process().Stderr();
    CreateTemplate();
  }
  void TearDown() override {
    if (heraldd_ != nullptr) {
      EXPECT_EQ(heraldd_->Stop(), 0);
    }
  }

  std::string core_yaml() const {
    return "policy:\n  quiet_hours: \"off\"\n"
           "receipts:\n  generic_secret: s3cret\n"
           "email:\n  url: " +
           smtp_->url() +
           "\n  from_address: noreply@herald.example\n  from_name: Herald Bank\n"
           "  initial_backoff: 1s\n  max_backoff: 1s\n  breaker_failures: 100\n"
           "sms:\n  provider: generic_json\n  url: " +
           sms_.url("/send") +
           "\n  token: t0k\n"
           "dispatch:\n  unsubscribe_base_url: https://herald.example/unsubscribe\n"
           "  unsubscribe_secret: {env: HERALD_TEST_UNSUBSCRIBE_SECRET}\n";
  }

  void CreateTemplate() {
    auto stub = v1::TemplateService::NewStub(heraldd_->Channel());
    v1::CreateTemplateRequest request;
    v1::Template* t = request.mutable_template_();
    t->set_name("order-shipped");
    t->set_category(v1::CATEGORY_ORDER_UPDATE);
    t->add_event_types("order.shipped");
    t->set_default_locale("nl");
    v1::LocalizedContent* nl = t->add_contents();
    nl->set_locale("nl");
    nl->mutable_email()->set_subject("Bestelling {{order.order_id}} is onderweg");
    nl->mutable_email()->set_text_body("Hallo {{customer.name}}, je pakket is onderweg.");
    nl->mutable_email()->set_html_body("<p>Hallo {{customer.name}}</p>");
    nl->mutable_sms()->set_text("Bestelling {{order.order_id}} is onderweg");
    v1::CreateTemplateResponse response;
    grpc::Status status = stub->CreateTemplate(Context().get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  void Customer(const std::string& id, const std::string& email, const std::string& phone,
                std::vector<v1::Channel> channels) {
    auto stub = v1::ProfileService::NewStub(heraldd_->Channel());
    v1::CreateProfileRequest request;
    v1::CustomerProfile* p = request.mutable_profile();
    p->set_customer_id(id);
    p->set_display_name(id);
    if (!email.empty()) p->set_email(email);
    if (!phone.empty()) p->set_phone(phone);
    p->set_locale("nl-NL");
    p->set_time_zone("Europe/Amsterdam");
    for (v1::Channel c : channels) p->add_preferred_channels(c);
    v1::CreateProfileResponse response;
    grpc::Status status = stub->CreateProfile(Context().get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  void Ship(const std::string& event_id, const std::string& customer) {
    auto stub = v1::EventService::NewStub(heraldd_->Channel());
    v1::PublishEventRequest request;
    v1::Event* e = request.mutable_event();
    e->set_event_id(event_id);
    e->set_event_type("order.shipped");
    *e->mutable_occur_time() = google::protobuf::util::TimeUtil::GetCurrentTime();
    e->set_customer_id(customer);
    e->mutable_order()->set_order_id(event_id);
    v1::PublishEventResponse response;
    grpc::Status status = stub->PublishEvent(Context().get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  v1::Notification Get(const std::string& event_id, const std::string& customer) {
    auto stub = v1::NotificationService::NewStub(heraldd_->Channel());
    v1::ListNotificationsRequest list;
    list.mutable_filter()->set_event_id(event_id);
    list.mutable_filter()->set_customer_id(customer);
    v1::ListNotificationsResponse found;
    if (!stub->ListNotifications(Context().get(), list, &found).ok() ||
        found.notifications_size() == 0) {
      return {};
    }
    v1::GetNotificationRequest get;
    get.set_notification_id(found.notifications(0).notification_id());
    v1::GetNotificationResponse response;
    if (!stub->GetNotification(Context().get(), get, &response).ok()) return {};
    return response.notification();
  }

  bool Reaches(const std::string& event_id, const std::string& customer,
               v1::NotificationState state) {
    return WaitFor([&] { return Get(event_id, customer).state() == state; });
  }

  TempDir dir_;
  SmsSink sms_;
  std::unique_ptr<SmtpSink> smtp_;
  std::unique_ptr<HeralddProcess> heraldd_;
};

TEST_F(DeliveryTest, EmailAndSmsArriveAndTheNotificationSaysSo) {
  Customer("alice", "alice@example.nl", "+31612345678", {v1::CHANNEL_SMS, v1::CHANNEL_EMAIL});
  Customer("bob", "bob@example.nl", "", {v1::CHANNEL_EMAIL});
  Ship("ord-1", "alice");
  Ship("ord-2", "bob");

  ASSERT_TRUE(Reaches("ord-1", "alice", v1::NOTIFICATION_STATE_SENT))
      << heraldd_->process().Stderr();
  ASSERT_TRUE(Reaches("ord-2", "bob", v1::NOTIFICATION_STATE_SENT)) << heraldd_->process().Stderr();
  const auto texts = sms_.seen();
  ASSERT_EQ(texts.size(), 1u);
  EXPECT_THAT(texts[0].body, HasSubstr("\"text\":\"Bestelling ord-1 is onderweg\""));
  EXPECT_EQ(texts[0].idempotency_key, Get("ord-1", "alice").notification_id());

  std::vector<google::protobuf::Struct> mail = smtp_->WaitForMessages(1);
  ASSERT_EQ(mail.size(), 1u);
  const auto& headers = mail[0].fields().at("headers").struct_value().fields();
  EXPECT_EQ(headers.at("Subject").string_value(), "Bestelling ord-2 is onderweg");
  EXPECT_EQ(headers.at("To").string_value(), "bob@example.nl");
  EXPECT_EQ(headers.at("Message-ID").string_value(),
            "<" + Get("ord-2", "bob").notification_id() + "@herald.example>");

  const v1::Notification bob = Get("ord-2", "bob");
  ASSERT_EQ(bob.attempts_size(), 1);
  EXPECT_EQ(bob.attempts(0).result(), v1::ATTEMPT_RESULT_ACCEPTED);
  EXPECT_EQ(bob.attempts(0).provider_message_id(), "H0001");
  EXPECT_EQ(Get("ord-1", "alice").attempts(0).provider_message_id(), "m-1");

  // The provider's receipt, signed, on heraldd's HTTP port: DELIVERED.
  httplib::Client http("127.0.0.1", heraldd_->public_port());
  const std::string receipt = R"({"id": "m-1", "status": "delivered"})";
  const httplib::Headers signed_headers = Signed(receipt);
  auto posted = http.Post("/receipts/sms", signed_headers, receipt, "application/json");
  ASSERT_TRUE(posted);
  EXPECT_EQ(posted->status, 200) << posted->body;
  EXPECT_EQ(Get("ord-1", "alice").state(), v1::NOTIFICATION_STATE_DELIVERED);
  auto forged = http.Post("/receipts/sms", receipt, "application/json");
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 401);
  // The same request replayed, and one signed too long ago: nothing changes.
  auto replayed = http.Post("/receipts/sms", signed_headers, receipt, "application/json");
  ASSERT_TRUE(replayed);
  EXPECT_EQ(replayed->body, "ignored: this receipt was received before\n");
  const std::string failed = R"({"id": "m-1", "status": "failed"})";
  auto stale = http.Post("/receipts/sms",
                         Signed(failed, core::SystemClock().Now() - std::chrono::minutes(10)),
                         failed, "application/json");
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->status, 401) << stale->body;
  EXPECT_EQ(Get("ord-1", "alice").state(), v1::NOTIFICATION_STATE_DELIVERED);

  // A bounce processor reports bob's mailbox gone, naming the Message-ID: BOUNCED.
  const std::string bounce = R"({"message_id": ")" + headers.at("Message-ID").string_value() +
                             R"(", "status": "bounced", "error": "5.1.1 user unknown"})";
  auto bounced = http.Post("/receipts/email", Signed(bounce), bounce, "application/json");
  ASSERT_TRUE(bounced);
  EXPECT_EQ(bounced->status, 200) << bounced->body;
  EXPECT_EQ(Get("ord-2", "bob").state(), v1::NOTIFICATION_STATE_BOUNCED);
}

TEST_F(DeliveryTest, OneClickUnsubscribeWithdrawsConsentAndTheNextMessageIsNotSent) {
  // A tips mail (INFORMATIONAL, opt-in) beside the order update, to a customer who
  // opted in to it.
  {
    auto templates = v1::TemplateService::NewStub(heraldd_->Channel());
    v1::CreateTemplateRequest request;
    v1::Template* t = request.mutable_template_();
    t->set_name("tips");
    t->set_category(v1::CATEGORY_INFORMATIONAL);
    t->add_event_types("order.shipped");
    t->set_default_locale("nl");
    v1::LocalizedContent* nl = t->add_contents();
    nl->set_locale("nl");
    nl->mutable_email()->set_subject("Tips bij je bestelling");
    nl->mutable_email()->set_text_body("Wist je dat...");
    v1::CreateTemplateResponse created;
    ASSERT_TRUE(templates->CreateTemplate(Context().get(), request, &created).ok());
    auto profiles = v1::ProfileService::NewStub(heraldd_->Channel());
    v1::CreateProfileRequest dora;
    dora.mutable_profile()->set_customer_id("dora");
    dora.mutable_profile()->set_email("dora@example.nl");
    dora.mutable_profile()->add_preferred_channels(v1::CHANNEL_EMAIL);
    v1::Consent* consent = dora.mutable_profile()->add_consents();
    consent->set_category(v1::CATEGORY_INFORMATIONAL);
    consent->set_channel(v1::CHANNEL_EMAIL);
    consent->set_state(v1::CONSENT_STATE_GRANTED);
    consent->set_source("web");
    v1::CreateProfileResponse made;
    ASSERT_TRUE(profiles->CreateProfile(Context().get(), dora, &made).ok());
  }
  Ship("ord-u1", "dora");
  std::vector<google::protobuf::Struct> mail = smtp_->WaitForMessages(2);
  ASSERT_EQ(mail.size(), 2u);
  std::string link;
  for (const auto& message : mail) {
    const auto& headers = message.fields().at("headers").struct_value().fields();
    if (headers.contains("List-Unsubscribe")) link = headers.at("List-Unsubscribe").string_value();
  }
  // <https://herald.example/unsubscribe/TOKEN>: signed, not the notification id.
  const std::string prefix = "<https://herald.example/unsubscribe/";
  ASSERT_EQ(link.rfind(prefix, 0), 0u) << link;
  const std::string token = link.substr(prefix.size(), link.size() - prefix.size() - 1);
  EXPECT_EQ(token.find("n-"), std::string::npos);

  httplib::Client http("127.0.0.1", heraldd_->public_port());
  // A person (or a link scanner) opens it: their preference page, nothing changed yet.
  auto page = http.Get("/unsubscribe/" + token);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 303);
  EXPECT_THAT(page->get_header_value("Location"), HasSubstr("?unsubscribe=INFORMATIONAL.EMAIL"));
  std::string forged = token;
  forged[2] = forged[2] == 'A' ? 'B' : 'A';
  auto refused = http.Post("/unsubscribe/" + forged, "List-Unsubscribe=One-Click",
                           "application/x-www-form-urlencoded");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403) << refused->body;
  auto clicked = http.Post("/unsubscribe/" + token, "List-Unsubscribe=One-Click",
                           "application/x-www-form-urlencoded");
  ASSERT_TRUE(clicked);
  EXPECT_EQ(clicked->status, 200) << clicked->body;
  EXPECT_EQ(clicked->body, "unsubscribed: no more INFORMATIONAL messages by EMAIL\n");

  auto profiles = v1::ProfileService::NewStub(heraldd_->Channel());
  v1::GetProfileRequest get;
  get.set_customer_id("dora");
  v1::GetProfileResponse got;
  ASSERT_TRUE(profiles->GetProfile(Context().get(), get, &got).ok());
  ASSERT_EQ(got.profile().consents_size(), 1);
  EXPECT_EQ(got.profile().consents(0).state(), v1::CONSENT_STATE_DENIED);
  EXPECT_EQ(got.profile().consents(0).source(), "list-unsubscribe");

  // The next order: its update goes, the tips do not.
  Ship("ord-u2", "dora");
  ASSERT_TRUE(WaitFor([&] {
    auto stub = v1::NotificationService::NewStub(heraldd_->Channel());
    v1::ListNotificationsRequest list;
    list.mutable_filter()->set_event_id("ord-u2");
    v1::ListNotificationsResponse found;
    if (!stub->ListNotifications(Context().get(), list, &found).ok()) return false;
    for (const v1::Notification& n : found.notifications()) {
      if (n.template_name() == "tips") return n.state() == v1::NOTIFICATION_STATE_SUPPRESSED;
    }
    return false;
  })) << heraldd_->process().Stderr();
  EXPECT_EQ(heraldd_->Metric("herald_unsubscribes_total", "result=\"unsubscribed\""), 1);
}

TEST_F(DeliveryTest, OperationsWatchEveryChangeAsItHappens) {
  Customer("bob", "bob@example.nl", "", {v1::CHANNEL_EMAIL});
  auto stub = v1::NotificationService::NewStub(heraldd_->Channel());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::WatchNotificationsRequest request;
  request.mutable_filter()->set_customer_id("bob");
  auto reader = stub->WatchNotifications(&context, request);
  // The watch sees changes from when heraldd took the call; the order below is decided
  // and sent later than that in any case, so at least its SENT is seen.
  Ship("ord-1", "bob");
  std::vector<v1::NotificationState> seen;
  v1::WatchNotificationsResponse change;
  while (reader->Read(&change)) {
    EXPECT_EQ(change.notification().customer_id(), "bob");
    seen.push_back(change.notification().state());
    if (seen.back() == v1::NOTIFICATION_STATE_SENT) break;
  }
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back(), v1::NOTIFICATION_STATE_SENT);
  context.TryCancel();
  reader->Finish();

  // A bad filter is refused naming it.
  grpc::ClientContext bad_context;
  v1::WatchNotificationsRequest bad;
  bad.mutable_filter()->set_customer_id("not a customer id!");
  auto refused = stub->WatchNotifications(&bad_context, bad);
  EXPECT_FALSE(refused->Read(&change));
  grpc::Status status = refused->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("filter"));
}

TEST_F(DeliveryTest, WhileTheSmtpServerIsDownNothingIsLostAndEachIsSentOnce) {
  Customer("bob", "bob@example.nl", "", {v1::CHANNEL_EMAIL});
  const int port = smtp_->port();
  smtp_->Stop();
  Ship("ord-1", "bob");
  Ship("ord-2", "bob");
  // Tried, refused at the door, waiting for a retry (not SENDING: an attempt in hand is
  // listed before its result is recorded).
  ASSERT_TRUE(WaitFor([&] {
    const v1::Notification n = Get("ord-1", "bob");
    return n.attempts_size() >= 2 && n.state() == v1::NOTIFICATION_STATE_QUEUED;
  })) << heraldd_->process().Stderr();
  EXPECT_EQ(Get("ord-1", "bob").attempts(0).result(), v1::ATTEMPT_RESULT_RETRYABLE_FAILURE);

  smtp_ = std::make_unique<SmtpSink>(dir_.File("mail"),
                                     std::vector<std::string>{"--port", std::to_string(port)});
  ASSERT_TRUE(smtp_->ready()) << smtp_->Stderr();
  ASSERT_TRUE(Reaches("ord-1", "bob", v1::NOTIFICATION_STATE_SENT));
  ASSERT_TRUE(Reaches("ord-2", "bob", v1::NOTIFICATION_STATE_SENT));
  std::vector<google::protobuf::Struct> mail = smtp_->WaitForMessages(2);
  ASSERT_EQ(mail.size(), 2u);  // both, once each
  std::set<std::string> subjects;
  for (const auto& m : mail) {
    subjects.insert(m.fields().at("headers").struct_value().fields().at("Subject").string_value());
  }
  EXPECT_EQ(subjects, (std::set<std::string>{"Bestelling ord-1 is onderweg",
                                             "Bestelling ord-2 is onderweg"}));
}

TEST_F(DeliveryTest, ABouncedNumberFallsBackToEmailAndIsSuppressed) {
  Customer("carol", "carol@example.nl", "+31611111400", {v1::CHANNEL_SMS, v1::CHANNEL_EMAIL});
  Ship("ord-1", "carol");
  ASSERT_TRUE(Reaches("ord-1", "carol", v1::NOTIFICATION_STATE_SENT))
      << heraldd_->process().Stderr();
  const v1::Notification n = Get("ord-1", "carol");
  EXPECT_EQ(n.channel(), v1::CHANNEL_EMAIL);
  ASSERT_EQ(n.attempts_size(), 2);
  EXPECT_EQ(n.attempts(0).channel(), v1::CHANNEL_SMS);
  EXPECT_EQ(n.attempts(0).result(), v1::ATTEMPT_RESULT_PERMANENT_FAILURE);
  EXPECT_EQ(n.attempts(1).channel(), v1::CHANNEL_EMAIL);
  EXPECT_EQ(smtp_->WaitForMessages(1).size(), 1u);

  auto profiles = v1::ProfileService::NewStub(heraldd_->Channel());
  v1::GetProfileRequest get;
  get.set_customer_id("carol");
  v1::GetProfileResponse carol;
  ASSERT_TRUE(profiles->GetProfile(Context().get(), get, &carol).ok());
  ASSERT_EQ(carol.profile().suppressions_size(), 1);
  EXPECT_EQ(carol.profile().suppressions(0).channel(), v1::CHANNEL_SMS);
}

TEST_F(DeliveryTest, EveryStateChangeIsPublishedOnTheStatusTopicOnce) {
  Customer("alice", "alice@example.nl", "+31612345678", {v1::CHANNEL_SMS, v1::CHANNEL_EMAIL});
  Customer("carol", "carol@example.nl", "+31611111400", {v1::CHANNEL_SMS, v1::CHANNEL_EMAIL});
  Ship("ord-1", "alice");
  Ship("ord-2", "carol");
  ASSERT_TRUE(Reaches("ord-1", "alice", v1::NOTIFICATION_STATE_SENT))
      << heraldd_->process().Stderr();
  ASSERT_TRUE(Reaches("ord-2", "carol", v1::NOTIFICATION_STATE_SENT))
      << heraldd_->process().Stderr();
  httplib::Client http("127.0.0.1", heraldd_->public_port());
  // The provider numbers its answers as they come, and alice's and carol's SMS go at once.
  const std::string id = Get("ord-1", "alice").attempts(0).provider_message_id();
  ASSERT_FALSE(id.empty());
  const std::string receipt = R"({"id": ")" + id + R"(", "status": "delivered"})";
  auto posted = http.Post("/receipts/sms", Signed(receipt), receipt, "application/json");
  ASSERT_TRUE(posted);
  ASSERT_EQ(posted->status, 200) << posted->body;

  std::smatch match;
  const std::string log = heraldd_->process().Stderr();
  ASSERT_TRUE(std::regex_search(log, match, std::regex("bootstrap=([^ ]+)"))) << log;
  // One more than expected: the wait shows that nothing came twice.
  const std::vector<ReadMessage> messages =
      ReadTopic(match[1], "herald.delivery-status", 10, std::chrono::seconds(5));
  ASSERT_EQ(messages.size(), 9u);

  std::map<std::string, std::vector<v1::DeliveryStatusChange>> by_customer;
  int64_t last_sequence = 0;
  for (const ReadMessage& m : messages) {
    v1::DeliveryStatusChange change;
    ASSERT_TRUE(change.ParseFromString(m.value));
    EXPECT_EQ(m.key, change.customer_id());
    EXPECT_EQ(m.headers.at("content-type"), "application/x-protobuf");
    EXPECT_EQ(m.headers.at("herald-message-type"), "herald.v1.DeliveryStatusChange");
    EXPECT_EQ(change.template_name(), "order-shipped");
    EXPECT_EQ(change.category(), v1::CATEGORY_ORDER_UPDATE);
    EXPECT_TRUE(change.has_change_time());
    if (change.customer_id() == "alice") {  // one partition: in order
      EXPECT_GT(change.sequence(), last_sequence);
      last_sequence = change.sequence();
    }
    by_customer[change.customer_id()].push_back(change);
  }
  auto steps = [](const std::vector<v1::DeliveryStatusChange>& changes) {
    std::vector<std::string> out;
    for (const auto& c : changes) {
      out.push_back(v1::NotificationState_Name(c.previous_state()) + " > " +
                    v1::NotificationState_Name(c.state()) + " " + v1::Channel_Name(c.channel()) +
                    " #" + std::to_string(c.attempt_number()) + " " + c.provider_message_id());
    }
    return out;
  };
  EXPECT_THAT(steps(by_customer["alice"]),
              ::testing::ElementsAre(
                  "NOTIFICATION_STATE_PENDING > NOTIFICATION_STATE_QUEUED CHANNEL_SMS #0 ",
                  "NOTIFICATION_STATE_QUEUED > NOTIFICATION_STATE_SENDING CHANNEL_SMS #1 ",
                  "NOTIFICATION_STATE_SENDING > NOTIFICATION_STATE_SENT CHANNEL_SMS #1 " + id,
                  "NOTIFICATION_STATE_SENT > NOTIFICATION_STATE_DELIVERED CHANNEL_SMS #1 " + id));
  EXPECT_THAT(steps(by_customer["carol"]),
              ::testing::ElementsAre(
                  "NOTIFICATION_STATE_PENDING > NOTIFICATION_STATE_QUEUED CHANNEL_SMS #0 ",
                  "NOTIFICATION_STATE_QUEUED > NOTIFICATION_STATE_SENDING CHANNEL_SMS #1 ",
                  "NOTIFICATION_STATE_SENDING > NOTIFICATION_STATE_QUEUED CHANNEL_EMAIL #1 ",
                  "NOTIFICATION_STATE_QUEUED > NOTIFICATION_STATE_SENDING CHANNEL_EMAIL #2 ",
                  "NOTIFICATION_STATE_SENDING > NOTIFICATION_STATE_SENT CHANNEL_EMAIL #2 H0001"));
  EXPECT_EQ(by_customer["alice"][0].reason(), "ALLOWED");
  EXPECT_EQ(by_customer["alice"][0].event_id(), "ord-1");
  EXPECT_EQ(by_customer["alice"][0].event_type(), "order.shipped");
  EXPECT_EQ(by_customer["alice"][0].notification_id(), Get("ord-1", "alice").notification_id());
  EXPECT_THAT(by_customer["carol"][2].detail(), HasSubstr("invalid_number"));
}

}  // namespace
}  // namespace herald::testing
