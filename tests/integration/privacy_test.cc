// Forgetting a customer, end to end in one heraldd process: a customer with delivered,
// failed, bounced and deferred notifications is exported, then erased; afterwards no row of any
// table and no message on the status topic holds their contact data or name, and a
// later event for them is suppressed ERASED.
#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <regex>

#include "herald/v1/event_service.grpc.pb.h"
#include "herald/v1/key_service.grpc.pb.h"
#include "herald/v1/notification_service.grpc.pb.h"
#include "herald/v1/privacy_service.grpc.pb.h"
#include "herald/v1/profile_service.grpc.pb.h"
#include "herald/v1/template_service.grpc.pb.h"
#include "services/tracking/receipts.h"
#include "tests/integration/heraldd_process.h"
#include "tests/integration/kafka_clients.h"
#include "tests/integration/sms_sink.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace herald::testing {
namespace {

using ::testing::HasSubstr;

// What erin is known by; none of it may survive her erasure.
const std::vector<std::string> kErinsData = {"erin.jansen@example.nl", "+31612340077",
                                             "+31611111400", "Erin Jansen", "Jansen"};

bool WaitFor(const std::function<bool()>& done) {
  return testing::WaitFor(done, std::chrono::seconds(30), std::chrono::milliseconds(50));
}

// Every value of every row of every table of the SQLite file, with where it is.
std::vector<std::pair<std::string, std::string>> EveryValue(const std::string& path) {
  std::vector<std::pair<std::string, std::string>> values;
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  std::vector<std::string> tables;
  sqlite3_stmt* list = nullptr;
  sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table'", -1, &list, nullptr);
  while (sqlite3_step(list) == SQLITE_ROW) {
    tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(list, 0)));
  }
  sqlite3_finalize(list);
  for (const std::string& table : tables) {
    sqlite3_stmt* rows = nullptr;
    const std::string sql = "SELECT * FROM \"" + table + "\"";
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &rows, nullptr), SQLITE_OK) << table;
    while (sqlite3_step(rows) == SQLITE_ROW) {
      for (int c = 0; c < sqlite3_column_count(rows); ++c) {
        const void* bytes = sqlite3_column_blob(rows, c);
        const int size = sqlite3_column_bytes(rows, c);
        if (bytes == nullptr) continue;
        values.emplace_back(table + "." + sqlite3_column_name(rows, c),
                            std::string(static_cast<const char*>(bytes), size));
      }
    }
    sqlite3_finalize(rows);
  }
  sqlite3_close(db);
  EXPECT_GT(tables.size(), 10u);
  return values;
}

class PrivacyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    heraldd_ = std::make_unique<HeralddProcess>(
        dir_.path().string(), dir_.File("herald.db"),
        "policy:\n  quiet_hours: \"off\"\n"
        "  categories:\n    INFORMATIONAL: {consent: opt_in, cap: 1/7d, over_cap: defer}\n"
        "receipts:\n  generic_secret: s3cret\n"
        "sms:\n  provider: generic_json\n  url: " +
            sms_.url("/send") + "\n  token: t0k\n");
    ASSERT_TRUE(heraldd_->ready()) << heraldd_->process().Stderr();
    privacy_token_ = CreateKey("privacy-desk", v1::ROLE_PRIVACY);
    Template("order-shipped", v1::CATEGORY_ORDER_UPDATE,
             "Hallo {{customer.name}}, {{order.order_id}} is onderweg");
    Template("tips", v1::CATEGORY_INFORMATIONAL, "Tip voor {{customer.name}}");
  }
  void TearDown() override {
    if (heraldd_ != nullptr) {
      EXPECT_EQ(heraldd_->Stop(), 0);
    }
  }

  std::string CreateKey(const std::string& name, v1::Role role) {
    auto stub = v1::KeyService::NewStub(heraldd_->Channel());
    v1::CreateApiKeyRequest request;
    request.mutable_api_key()->set_name(name);
    request.mutable_api_key()->set_role(role);
    v1::CreateApiKeyResponse response;
    grpc::Status status = stub->CreateApiKey(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.token();
  }

  void Template(const std::string& name, v1::Category category, const std::string& sms) {
    auto stub = v1::TemplateService::NewStub(heraldd_->Channel());
    v1::CreateTemplateRequest request;
    v1::Template* t = request.mutable_template_();
    t->set_name(name);
    t->set_category(category);
    t->add_event_types("order.shipped");
    t->set_default_locale("nl");
    v1::LocalizedContent* nl = t->add_contents();
    nl->set_locale("nl");
    nl->mutable_sms()->set_text(sms);
    v1::CreateTemplateResponse response;
    grpc::Status status = stub->CreateTemplate(Context().get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  void Customer(const std::string& id, const std::string& name, const std::string& email,
                const std::string& phone) {
    auto stub = v1::ProfileService::NewStub(heraldd_->Channel());
    v1::CreateProfileRequest request;
    v1::CustomerProfile* p = request.mutable_profile();
    p->set_customer_id(id);
    p->set_display_name(name);
    p->set_email(email);
    p->set_phone(phone);
    p->set_locale("nl-NL");
    p->set_time_zone("Europe/Amsterdam");
    p->add_preferred_channels(v1::CHANNEL_SMS);
    v1::Consent* tips = p->add_consents();
    tips->set_category(v1::CATEGORY_INFORMATIONAL);
    tips->set_channel(v1::CHANNEL_SMS);
    tips->set_state(v1::CONSENT_STATE_GRANTED);
    tips->set_source("web form");
    v1::CreateProfileResponse response;
    grpc::Status status = stub->CreateProfile(Context().get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  // An order.shipped event (both templates), optionally to another phone number.
  void Ship(const std::string& event_id, const std::string& customer,
            const std::string& phone = "") {
    auto stub = v1::EventService::NewStub(heraldd_->Channel());
    v1::PublishEventRequest request;
    v1::Event* e = request.mutable_event();
    e->set_event_id(event_id);
    e->set_event_type("order.shipped");
    *e->mutable_occur_time() = google::protobuf::util::TimeUtil::GetCurrentTime();
    e->set_customer_id(customer);
    e->mutable_order()->set_order_id(event_id);
    if (!phone.empty()) e->mutable_contact_overrides()->set_phone(phone);
    v1::PublishEventResponse response;
    grpc::Status status = stub->PublishEvent(Context().get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  std::vector<v1::Notification> Notifications(const std::string& customer) {
    auto stub = v1::NotificationService::NewStub(heraldd_->Channel());
    v1::ListNotificationsRequest list;
    list.mutable_filter()->set_customer_id(customer);
    v1::ListNotificationsResponse found;
    EXPECT_TRUE(stub->ListNotifications(Context().get(), list, &found).ok());
    return {found.notifications().begin(), found.notifications().end()};
  }

  // One of erin's notifications, whole (with attempts and messages).
  v1::Notification One(const std::string& event_id, const std::string& template_name) {
    for (const v1::Notification& n : Notifications("erin")) {
      if (n.event_id() != event_id || n.template_name() != template_name) continue;
      auto stub = v1::NotificationService::NewStub(heraldd_->Channel());
      v1::GetNotificationRequest get;
      get.set_notification_id(n.notification_id());
      v1::GetNotificationResponse response;
      EXPECT_TRUE(stub->GetNotification(Context().get(), get, &response).ok());
      return response.notification();
    }
    return {};
  }

  bool Reaches(const std::string& event_id, const std::string& template_name,
               v1::NotificationState state) {
    return WaitFor([&] { return One(event_id, template_name).state() == state; });
  }

  grpc::Status Export(const std::string& customer, v1::CustomerExport& out) {
    auto stub = v1::PrivacyService::NewStub(heraldd_->Channel(privacy_token_));
    v1::ExportCustomerRequest request;
    request.set_customer_id(customer);
    v1::ExportCustomerResponse response;
    grpc::Status status = stub->ExportCustomer(Context().get(), request, &response);
    out = response.customer_export();
    return status;
  }

  grpc::Status Erase(const std::string& customer, v1::EraseCustomerResponse& out,
                     const std::string& token) {
    auto stub = v1::PrivacyService::NewStub(heraldd_->Channel(token));
    v1::EraseCustomerRequest request;
    request.set_customer_id(customer);
    return stub->EraseCustomer(Context().get(), request, &out);
  }

  TempDir dir_;
  SmsSink sms_;
  std::unique_ptr<HeralddProcess> heraldd_;
  std::string privacy_token_;
};

TEST_F(PrivacyTest, AnErasedCustomerLeavesNoTraceAndIsNotContactedAgain) {
  Customer("erin", "Erin Jansen", "erin.jansen@example.nl", "+31612340077");
  Customer("finn", "Finn de Boer", "finn@example.nl", "+31612340088");
  // ord-1: the order update is sent and delivered, the tip sent (the cap's one a week).
  Ship("ord-1", "erin");
  Ship("ord-f", "finn");
  ASSERT_TRUE(Reaches("ord-1", "order-shipped", v1::NOTIFICATION_STATE_SENT))
      << heraldd_->process().Stderr();
  ASSERT_TRUE(Reaches("ord-1", "tips", v1::NOTIFICATION_STATE_SENT));
  // The provider's receipts: the update FAILED, the tip DELIVERED (and counted by the cap).
  httplib::Client http("127.0.0.1", heraldd_->public_port());
  for (const auto& [template_name, status] :
       {std::pair{"order-shipped", "failed"}, std::pair{"tips", "delivered"}}) {
    const std::string id = One("ord-1", template_name).attempts(0).provider_message_id();
    const std::string receipt = R"({"id": ")" + id + R"(", "status": ")" + status + R"("})";
    httplib::Headers headers;
    for (const auto& [name, value] :
         tracking::SignReceipt("s3cret", receipt, core::SystemClock().Now())) {
      headers.emplace(name, value);
    }
    auto posted = http.Post("/receipts/sms", headers, receipt, "application/json");
    ASSERT_TRUE(posted);
    ASSERT_EQ(posted->status, 200) << posted->body;
  }
  // ord-2, to a number the provider refuses: the update BOUNCED, the tip DEFERRED (cap).
  Ship("ord-2", "erin", "+31611111400");
  ASSERT_TRUE(Reaches("ord-2", "order-shipped", v1::NOTIFICATION_STATE_BOUNCED))
      << One("ord-2", "order-shipped").DebugString();
  ASSERT_TRUE(Reaches("ord-2", "tips", v1::NOTIFICATION_STATE_DEFERRED));
  ASSERT_EQ(One("ord-1", "order-shipped").state(), v1::NOTIFICATION_STATE_FAILED);
  ASSERT_EQ(One("ord-1", "tips").state(), v1::NOTIFICATION_STATE_DELIVERED);

  // Export first: everything, in one document.
  v1::CustomerExport exported;
  grpc::Status status = Export("erin", exported);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(exported.profile().email(), "erin.jansen@example.nl");
  EXPECT_EQ(exported.profile().consents(0).source(), "web form");
  ASSERT_EQ(exported.notifications_size(), 4);
  EXPECT_EQ(exported.events_size(), 2);
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(exported, &json).ok());
  EXPECT_THAT(json, HasSubstr("Hallo Erin Jansen, ord-1 is onderweg"));  // the message
  EXPECT_THAT(json, HasSubstr("+31611111400"));                          // the event's override
  EXPECT_THAT(json, HasSubstr("DELIVERED"));
  EXPECT_THAT(json, HasSubstr("FREQUENCY_CAP"));  // the tip's decision
  for (const v1::ExportedNotification& n : exported.notifications()) {
    EXPECT_GT(n.decisions_size(), 0) << n.notification().notification_id();
    EXPECT_GT(n.evaluations_size(), 0) << n.notification().notification_id();
  }

  // An operator may not erase; the privacy desk may.
  v1::EraseCustomerResponse erased;
  EXPECT_EQ(Erase("erin", erased, CreateKey("ops", v1::ROLE_OPERATOR)).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  status = Erase("erin", erased, privacy_token_);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(erased.already_erased());
  EXPECT_EQ(erased.notifications_cancelled(), 1);  // the deferred tip
  EXPECT_EQ(erased.notifications_purged(), 4);
  EXPECT_EQ(One("ord-2", "tips").state(), v1::NOTIFICATION_STATE_SUPPRESSED);
  EXPECT_EQ(One("ord-2", "tips").decision().reason(), "ERASED");
  // What happened stays, anonymous.
  EXPECT_EQ(One("ord-1", "tips").state(), v1::NOTIFICATION_STATE_DELIVERED);
  EXPECT_EQ(One("ord-1", "tips").content_purge_reason(), "ERASURE");

  // Again: nothing more, and it says so.
  v1::EraseCustomerResponse again;
  ASSERT_TRUE(Erase("erin", again, privacy_token_).ok());
  EXPECT_TRUE(again.already_erased());
  EXPECT_EQ(again.notifications_purged(), 0);
  EXPECT_EQ(again.erase_time().seconds(), erased.erase_time().seconds());

  // A later event: suppressed ERASED, whatever contact data it carries.
  Ship("ord-3", "erin", "+31612340077");
  ASSERT_TRUE(Reaches("ord-3", "order-shipped", v1::NOTIFICATION_STATE_SUPPRESSED));
  EXPECT_EQ(One("ord-3", "order-shipped").decision().reason(), "ERASED");
  // Her data does not come back through the API either.
  {
    auto profiles = v1::ProfileService::NewStub(heraldd_->Channel());
    v1::UpdateProfileRequest update;
    update.mutable_profile()->set_customer_id("erin");
    update.mutable_profile()->set_email("erin.jansen@example.nl");
    update.mutable_update_mask()->add_paths("email");
    v1::UpdateProfileResponse updated;
    grpc::Status refused = profiles->UpdateProfile(Context().get(), update, &updated);
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_THAT(refused.error_message(), HasSubstr("erased"));
  }

  // No row of any table holds what erin was known by; finn's are all there.
  bool finn_found = false;
  for (const auto& [where, value] : EveryValue(dir_.File("herald.db"))) {
    for (const std::string& datum : kErinsData) {
      EXPECT_EQ(value.find(datum), std::string::npos) << where << " holds " << datum;
    }
    finn_found = finn_found || value.find("finn@example.nl") != std::string::npos;
  }
  EXPECT_TRUE(finn_found);
  // Nor any message on the status topic.
  std::smatch match;
  const std::string log = heraldd_->process().Stderr();
  ASSERT_TRUE(std::regex_search(log, match, std::regex("bootstrap=([^ ]+)"))) << log;
  const std::vector<ReadMessage> messages =
      ReadTopic(match[1], "herald.delivery-status", 1000, std::chrono::seconds(8));
  EXPECT_GT(messages.size(), 10u);
  for (const ReadMessage& m : messages) {
    for (const std::string& datum : kErinsData) {
      EXPECT_EQ(m.value.find(datum), std::string::npos) << "status topic holds " << datum;
    }
  }
  // The export now holds only what is anonymous.
  ASSERT_TRUE(Export("erin", exported).ok());
  json.clear();
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(exported, &json).ok());
  for (const std::string& datum : kErinsData) {
    EXPECT_EQ(json.find(datum), std::string::npos) << "the export holds " << datum;
  }
  EXPECT_EQ(exported.notifications_size(), 6);  // ord-3's two, suppressed
  EXPECT_EQ(exported.profile().suppressions(0).reason(), v1::SUPPRESSION_REASON_ERASED);
}

}  // namespace
}  // namespace herald::testing
