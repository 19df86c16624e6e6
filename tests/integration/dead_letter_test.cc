// The dead-letter topic through the API, against a heraldd process and its embedded
// broker: letters listed with why and from where, replayed to their source once the
// cause is fixed (with headers naming where they were), recorded and audited.
#include <gmock/gmock.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include <regex>

#include "herald/v1/audit_service.grpc.pb.h"
#include "herald/v1/dead_letter_service.grpc.pb.h"
#include "herald/v1/key_service.grpc.pb.h"
#include "herald/v1/notification_service.grpc.pb.h"
#include "herald/v1/profile_service.grpc.pb.h"
#include "herald/v1/template_service.grpc.pb.h"
#include "tests/integration/heraldd_process.h"
#include "tests/integration/kafka_clients.h"
#include "tests/integration/sms_sink.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace herald::testing {
namespace {

using ::testing::HasSubstr;

constexpr std::chrono::seconds kLimit{30};

class DeadLetterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    heraldd_ = std::make_unique<HeralddProcess>(
        dir_.path().string(), dir_.File("herald.db"),
        "policy:\n  quiet_hours: \"off\"\n"
        "kafka:\n  consumer_properties: {session.timeout.ms: \"3500\"}\n"
        "sms:\n  provider: generic_json\n  url: " +
            sms_.url("/send") + "\n  token: t0k\n");
    ASSERT_TRUE(heraldd_->ready()) << heraldd_->process().Stderr();
    std::smatch m;
    const std::string log = heraldd_->process().Stderr();
    ASSERT_TRUE(std::regex_search(log, m, std::regex("bootstrap=(\\S+)"))) << log;
    bootstrap_ = m[1];

    auto templates = v1::TemplateService::NewStub(heraldd_->Channel());
    v1::CreateTemplateRequest t;
    t.mutable_template_()->set_name("order-shipped");
    t.mutable_template_()->set_category(v1::CATEGORY_ORDER_UPDATE);
    t.mutable_template_()->add_event_types("order.shipped");
    t.mutable_template_()->set_default_locale("nl");
    v1::LocalizedContent* nl = t.mutable_template_()->add_contents();
    nl->set_locale("nl");
    nl->mutable_sms()->set_text("{{order.order_id}} is onderweg");
    v1::CreateTemplateResponse created;
    ASSERT_TRUE(templates->CreateTemplate(Context().get(), t, &created).ok());
  }
  void TearDown() override {
    if (heraldd_ != nullptr) {
      EXPECT_EQ(heraldd_->Stop(), 0);
    }
  }

  std::string Key(v1::Role role) {
    auto stub = v1::KeyService::NewStub(heraldd_->Channel());
    v1::CreateApiKeyRequest request;
    request.mutable_api_key()->set_name("desk");
    request.mutable_api_key()->set_role(role);
    v1::CreateApiKeyResponse response;
    EXPECT_TRUE(stub->CreateApiKey(Context().get(), request, &response).ok());
    return response.token();
  }

  std::vector<v1::DeadLetter> List(const std::string& token, const std::string& reason = "") {
    auto stub = v1::DeadLetterService::NewStub(heraldd_->Channel(token));
    std::vector<v1::DeadLetter> letters;
    v1::ListDeadLettersRequest request;
    request.set_reason(reason);
    request.set_page_size(1);  // every page, one letter at a time
    for (;;) {
      v1::ListDeadLettersResponse response;
      grpc::Status status = stub->ListDeadLetters(Context().get(), request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      letters.insert(letters.end(), response.dead_letters().begin(), response.dead_letters().end());
      if (!status.ok() || response.next_page_token().empty()) return letters;
      request.set_page_token(response.next_page_token());
    }
  }

  grpc::Status Replay(const v1::ReplayDeadLettersRequest& request,
                      v1::ReplayDeadLettersResponse& response) {
    auto stub = v1::DeadLetterService::NewStub(heraldd_->Channel(operator_));
    return stub->ReplayDeadLetters(Context().get(), request, &response);
  }

  std::string Order(const std::string& id, const std::string& customer) {
    return R"({"eventId": ")" + id + R"(", "eventType": "order.shipped", "occurTime": ")" +
           google::protobuf::util::TimeUtil::ToString(
               google::protobuf::util::TimeUtil::GetCurrentTime()) +
           R"(", "customerId": ")" + customer + R"(", "order": {"orderId": ")" + id + R"("}})";
  }

  TempDir dir_;
  SmsSink sms_;
  std::unique_ptr<HeralddProcess> heraldd_;
  std::string bootstrap_;
  std::string operator_;
};

TEST_F(DeadLetterTest, LettersAreListedWithWhyAndReplayedOnceTheCauseIsFixed) {
  operator_ = Key(v1::ROLE_OPERATOR);
  TestProducer producer(bootstrap_);
  producer.Send("herald.orders", "lena", Order("ord-1", "lena"), "application/json");
  producer.Send("herald.orders", "lena", "{not json", "application/json");

  std::vector<v1::DeadLetter> letters;
  ASSERT_TRUE(WaitFor([&] { return (letters = List(operator_)).size() == 2; }, kLimit))
      << letters.size() << " letters\n"
      << heraldd_->process().Stderr();
  std::map<std::string, v1::DeadLetter> by_reason;
  for (const v1::DeadLetter& l : letters) by_reason[l.reason()] = l;
  ASSERT_TRUE(by_reason.contains("UNKNOWN_CUSTOMER") && by_reason.contains("MALFORMED_JSON"));
  const v1::DeadLetter unknown = by_reason["UNKNOWN_CUSTOMER"];
  EXPECT_THAT(unknown.dead_letter_id(), ::testing::MatchesRegex("herald\\.dlq/[0-9]+@[0-9]+"));
  EXPECT_THAT(unknown.detail(), HasSubstr("\"lena\" has no profile"));
  EXPECT_EQ(unknown.source_topic(), "herald.orders");
  EXPECT_EQ(unknown.key(), "lena");
  EXPECT_EQ(unknown.content_type(), "application/json");
  EXPECT_THAT(unknown.payload(), HasSubstr("\"orderId\": \"ord-1\""));
  EXPECT_TRUE(unknown.has_dead_letter_time());
  EXPECT_FALSE(unknown.has_replay_time());
  EXPECT_EQ(List(operator_, "MALFORMED_JSON").size(), 1u);

  // A viewer reads why, not the message itself.
  const std::vector<v1::DeadLetter> seen = List(Key(v1::ROLE_VIEWER), "UNKNOWN_CUSTOMER");
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_THAT(seen[0].detail(), HasSubstr("has no profile"));
  EXPECT_TRUE(seen[0].payload().empty());

  // The cause fixed, every UNKNOWN_CUSTOMER letter goes back to its topic.
  auto profiles = v1::ProfileService::NewStub(heraldd_->Channel());
  v1::CreateProfileRequest lena;
  lena.mutable_profile()->set_customer_id("lena");
  lena.mutable_profile()->set_phone("+31687654321");
  lena.mutable_profile()->add_preferred_channels(v1::CHANNEL_SMS);
  v1::CreateProfileResponse made;
  ASSERT_TRUE(profiles->CreateProfile(Context().get(), lena, &made).ok());
  v1::ReplayDeadLettersRequest by_reason_request;
  by_reason_request.set_reason("UNKNOWN_CUSTOMER");
  v1::ReplayDeadLettersResponse replayed;
  grpc::Status status = Replay(by_reason_request, replayed);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(replayed.dead_letter_ids_size(), 1);
  EXPECT_EQ(replayed.dead_letter_ids(0), unknown.dead_letter_id());
  EXPECT_FALSE(replayed.more());

  // Processed: lena's order is sent.
  auto notifications = v1::NotificationService::NewStub(heraldd_->Channel());
  ASSERT_TRUE(WaitFor(
      [&] {
        v1::ListNotificationsRequest list;
        list.mutable_filter()->set_customer_id("lena");
        v1::ListNotificationsResponse found;
        return notifications->ListNotifications(Context().get(), list, &found).ok() &&
               found.notifications_size() == 1 &&
               found.notifications(0).state() == v1::NOTIFICATION_STATE_SENT;
      },
      kLimit))
      << heraldd_->process().Stderr();

  // The replayed message names the letter and where the message first arrived.
  std::vector<ReadMessage> orders = ReadTopic(bootstrap_, "herald.orders", 3, kLimit);
  ASSERT_EQ(orders.size(), 3u);
  const ReadMessage& again = orders.back().headers.contains("herald-replay-of")
                                 ? orders.back()
                                 : *std::find_if(orders.begin(), orders.end(), [](const auto& m) {
                                     return m.headers.contains("herald-replay-of");
                                   });
  EXPECT_EQ(again.headers.at("herald-replay-of"), unknown.dead_letter_id());
  EXPECT_EQ(again.headers.at("herald-original-offset"),
            "herald.orders/" + std::to_string(unknown.source_partition()) + "@" +
                std::to_string(unknown.source_offset()));
  EXPECT_EQ(again.headers.at("content-type"), "application/json");
  EXPECT_EQ(again.key, "lena");

  // Recorded: the letter says it was replayed, and a second call by reason replays nothing.
  const std::vector<v1::DeadLetter> after = List(operator_, "UNKNOWN_CUSTOMER");
  ASSERT_EQ(after.size(), 1u);
  EXPECT_TRUE(after[0].has_replay_time());
  EXPECT_THAT(after[0].replayed_by(), ::testing::StartsWith("api-key:"));
  ASSERT_TRUE(Replay(by_reason_request, replayed).ok());
  EXPECT_EQ(replayed.dead_letter_ids_size(), 0);

  // Audited.
  auto audit = v1::AuditService::NewStub(heraldd_->Channel());
  v1::ListAuditRecordsRequest records;
  records.mutable_filter()->set_method("DeadLetterService.ReplayDeadLetters");
  v1::ListAuditRecordsResponse found;
  ASSERT_TRUE(audit->ListAuditRecords(Context().get(), records, &found).ok());
  ASSERT_EQ(found.audit_records_size(), 1);
  EXPECT_EQ(found.audit_records(0).resource(), "dead-letters/reason:UNKNOWN_CUSTOMER");
  EXPECT_EQ(found.audit_records(0).principal(), after[0].replayed_by());
}

TEST_F(DeadLetterTest, AReplayNamesExactlyWhatToReplay) {
  operator_ = Key(v1::ROLE_OPERATOR);
  v1::ReplayDeadLettersResponse response;
  v1::ReplayDeadLettersRequest both;
  both.set_reason("UNKNOWN_CUSTOMER");
  both.add_dead_letter_ids("herald.dlq/0@0");
  grpc::Status status = Replay(both, response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("or a reason (not both)"));

  v1::ReplayDeadLettersRequest missing;
  missing.add_dead_letter_ids("herald.dlq/0@99");
  status = Replay(missing, response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("dead letter herald.dlq/0@99 not found"));

  v1::ReplayDeadLettersRequest elsewhere;
  elsewhere.add_dead_letter_ids("herald.orders/0@0");
  status = Replay(elsewhere, response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("is not on the dead-letter topic herald.dlq"));
}

}  // namespace
}  // namespace herald::testing
