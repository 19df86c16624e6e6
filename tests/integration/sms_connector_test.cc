// The SMS connector against a real HTTP server (cpp-httplib on a loopback port the
// kernel picks), in both provider forms: generic JSON and Twilio-compatible.
#include "connectors/sms/sms_connector.h"

#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "tests/integration/sms_sink.h"
#include "tests/support/fake_clock.h"

namespace herald::connectors::sms {
namespace {

using ::testing::HasSubstr;

Delivery Sms(const std::string& id, const std::string& to,
             const std::string& text = "Je pakket is onderweg: €12,50 & meer") {
  Delivery d;
  d.notification_id = id;
  d.customer_id = "anna";
  d.address = to;
  d.message.channel = core::Channel::kSms;
  d.message.sms_text = text;
  return d;
}

class SmsConnectorTest : public ::testing::Test {
 protected:
  std::unique_ptr<SmsConnector> Generic() {
    auto c = SmsConnector::Create(
        MakeGenericJsonProvider({.url = server_.url("/send"), .token = "t0k", .sender = "Herald"}),
        {.max_in_flight = 4}, clock_);
    EXPECT_TRUE(c.ok()) << c.status();
    return std::move(*c);
  }

  testing::SmsSink server_;
  testing::FakeClock clock_{testing::Utc(2026, 11, 22, 12)};
};

TEST_F(SmsConnectorTest, GenericJsonCarriesTheTextTheKeyAndTheToken) {
  auto connector = Generic();
  SendResult r = SendAndWait(*connector, Sms("n-1", "+31612345678"));
  EXPECT_EQ(r.outcome, SendOutcome::kAccepted) << r.detail;
  EXPECT_EQ(r.provider_message_id, "m-1");
  const auto seen = server_.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].content_type, "application/json");
  EXPECT_EQ(seen[0].authorization, "Bearer t0k");
  EXPECT_EQ(seen[0].idempotency_key, "n-1");
  google::protobuf::Struct body;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(seen[0].body, &body).ok());
  EXPECT_EQ(body.fields().at("to").string_value(), "+31612345678");
  EXPECT_EQ(body.fields().at("text").string_value(), "Je pakket is onderweg: €12,50 & meer");
  EXPECT_EQ(body.fields().at("reference").string_value(), "n-1");
  EXPECT_EQ(body.fields().at("from").string_value(), "Herald");

  // The same notification again (a retry) carries the same key.
  EXPECT_EQ(SendAndWait(*connector, Sms("n-1", "+31612345678")).outcome, SendOutcome::kAccepted);
  EXPECT_EQ(server_.seen()[1].idempotency_key, "n-1");
}

TEST_F(SmsConnectorTest, AnswersAreClassifiedAndRetryAfterIsHonoured) {
  auto connector = Generic();
  SendResult limited = SendAndWait(*connector, Sms("n-1", "+31611111429"));
  EXPECT_EQ(limited.outcome, SendOutcome::kRetryable);
  ASSERT_TRUE(limited.retry_after.has_value());
  EXPECT_EQ(*limited.retry_after, std::chrono::seconds(7));
  EXPECT_THAT(limited.detail, HasSubstr("HTTP 429"));

  SendResult down = SendAndWait(*connector, Sms("n-2", "+31611111500"));
  EXPECT_EQ(down.outcome, SendOutcome::kRetryable);
  EXPECT_EQ(down.detail, "HTTP 503: unavailable");

  SendResult invalid = SendAndWait(*connector, Sms("n-3", "+31611111400"));
  EXPECT_EQ(invalid.outcome, SendOutcome::kPermanent);
  EXPECT_TRUE(invalid.address_rejected);

  // Our token refused: the account, not the message; tried again once fixed.
  SendResult unauthorized = SendAndWait(*connector, Sms("n-4", "+31611111401"));
  EXPECT_EQ(unauthorized.outcome, SendOutcome::kRetryable);
  EXPECT_FALSE(unauthorized.address_rejected);

  // Not E.164: never sent.
  SendResult local = SendAndWait(*connector, Sms("n-5", "0612345678"));
  EXPECT_EQ(local.outcome, SendOutcome::kPermanent);
  EXPECT_EQ(local.detail, "\"0612345678\" is not an E.164 number");
  EXPECT_EQ(server_.seen().size(), 4u);
}

TEST_F(SmsConnectorTest, TwilioFormIsFormEncodedWithBasicAuth) {
  auto c = SmsConnector::Create(MakeTwilioProvider({.base_url = server_.url(),
                                                    .account_sid = "AC1",
                                                    .auth_token = "secret",
                                                    .from = "+3197010000000",
                                                    .status_callback = "http://127.0.0.1:1/r"}),
                                {}, clock_);
  ASSERT_TRUE(c.ok()) << c.status();
  SendResult r = SendAndWait(**c, Sms("n-1", "+31612345678"));
  EXPECT_EQ(r.outcome, SendOutcome::kAccepted) << r.detail;
  EXPECT_EQ(r.provider_message_id, "SM1");
  const auto seen = server_.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].content_type, "application/x-www-form-urlencoded");
  EXPECT_EQ(seen[0].authorization, "Basic QUMxOnNlY3JldA==");  // AC1:secret
  EXPECT_EQ(seen[0].body,
            "To=%2B31612345678&From=%2B3197010000000&Body=Je+pakket+is+onderweg%3A+%E2%82%AC12%"
            "2C50+%26+meer&StatusCallback=http%3A%2F%2F127.0.0.1%3A1%2Fr");
  SendResult invalid = SendAndWait(**c, Sms("n-2", "+31611111400"));
  EXPECT_EQ(invalid.outcome, SendOutcome::kPermanent);
  EXPECT_TRUE(invalid.address_rejected);
}

TEST_F(SmsConnectorTest, ManySendsShareKeptAliveConnections) {
  auto connector = Generic();
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        SendResult r = SendAndWait(
            *connector, Sms("n-" + std::to_string(t) + "-" + std::to_string(i), "+31612345678"));
        EXPECT_EQ(r.outcome, SendOutcome::kAccepted) << r.detail;
      }
    });
  }
  for (auto& t : threads) t.join();
  const auto seen = server_.seen();
  ASSERT_EQ(seen.size(), 80u);
  std::set<int> ports;
  for (const auto& s : seen) ports.insert(s.remote_port);
  EXPECT_LE(ports.size(), 4u);  // max_in_flight connections, reused
}

TEST_F(SmsConnectorTest, NoServerIsRetryable) {
  auto c =
      SmsConnector::Create(MakeGenericJsonProvider({.url = "http://127.0.0.1:1/send"}), {}, clock_);
  ASSERT_TRUE(c.ok());
  SendResult r = SendAndWait(**c, Sms("n-1", "+31612345678"));
  EXPECT_EQ(r.outcome, SendOutcome::kRetryable);
  EXPECT_THAT(r.detail, HasSubstr("connect"));
}

TEST(ClassifyHttp, RetryAfterAsAnHttpDate) {
  const core::Time now = testing::Utc(2026, 11, 22, 12);
  SendResult r = ClassifyHttp(0, 503, "Sun, 22 Nov 2026 12:01:30 GMT", "", "", now);
  EXPECT_EQ(r.outcome, SendOutcome::kRetryable);
  ASSERT_TRUE(r.retry_after.has_value());
  EXPECT_EQ(*r.retry_after, std::chrono::seconds(90));
  EXPECT_EQ(ClassifyHttp(0, 404, "", "", "", now).outcome, SendOutcome::kPermanent);
  EXPECT_EQ(ClassifyHttp(0, 202, "", "", "", now).outcome, SendOutcome::kAccepted);
  EXPECT_TRUE(IsE164("+31612345678"));
  EXPECT_FALSE(IsE164("+0612345678"));
  EXPECT_FALSE(IsE164("+316 12345678"));
}

}  // namespace
}  // namespace herald::connectors::sms
