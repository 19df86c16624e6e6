// One trace from a backend's event to the customer's message and back, against a real
// heraldd, its embedded Kafka broker, a real SMTP server and a real SMS provider (an
// HTTP server): the W3C traceparent an event came with (a Kafka header, or gRPC
// metadata) is kept with its notifications, sent in the email's Traceparent header and
// the SMS request's traceparent header, carried on the status topic, and written in the
// log lines about it; an event without one starts a trace of its own. Logs can be JSON.
#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "herald/v1/delivery_status.pb.h"
#include "herald/v1/notification_service.grpc.pb.h"
#include "tests/integration/api_calls.h"
#include "tests/integration/heraldd_process.h"
#include "tests/integration/kafka_clients.h"
#include "tests/integration/sms_sink.h"
#include "tests/integration/smtp_sink.h"
#include "tests/support/built_binary.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace herald::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

constexpr char kEmailTrace[] = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr char kSmsTrace[] = "0af7651916cd43dd8448eb211c80319c";
constexpr char kGrpcTrace[] = "a3ce929d0e0e47364bf92f3577b34da6";

std::string Traceparent(const std::string& trace_id) {
  return "00-" + trace_id + "-00f067aa0ba902b7-01";
}

class TraceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    smtp_ = std::make_unique<SmtpSink>(dir_.File("mail"));
    ASSERT_TRUE(smtp_->ready()) << smtp_->Stderr();
    heraldd_ = std::make_unique<HeralddProcess>(dir_.path().string(), dir_.File("herald.db"),
                                                "log:\n  level: debug\n" + Connectors());
    ASSERT_TRUE(heraldd_->ready()) << heraldd_->process().Stderr();
    std::smatch match;
    const std::string log = heraldd_->process().Stderr();
    ASSERT_TRUE(std::regex_search(log, match, std::regex("bootstrap=([^ ]+)"))) << log;
    bootstrap_ = match[1];

    ASSERT_TRUE(CreateTemplate(*heraldd_, "order-shipped", "order.shipped",
                               "Bestelling {{order.order_id}} is onderweg",
                               "Bestelling {{order.order_id}} is onderweg")
                    .ok());
    ASSERT_TRUE(CreateCustomer(*heraldd_, "anna", v1::CHANNEL_EMAIL, "anna@example.nl").ok());
    ASSERT_TRUE(CreateCustomer(*heraldd_, "bert", v1::CHANNEL_SMS, "bert@example.nl").ok());
  }
  void TearDown() override {
    if (heraldd_ != nullptr) EXPECT_EQ(heraldd_->Stop(), 0);
  }

  std::string Connectors() const {
    return "policy:\n  quiet_hours: \"off\"\n"
           "email:\n  url: " +
           smtp_->url() +
           "\n  from_address: noreply@herald.example\n"
           "sms:\n  provider: generic_json\n  url: " +
           sms_.url("/send") + "\n  token: t0k\n";
  }

  v1::Notification Of(const std::string& event_id) { return NotificationOf(*heraldd_, event_id); }

  bool Sent(const std::string& event_id) {
    return WaitFor([&] { return Of(event_id).state() == v1::NOTIFICATION_STATE_SENT; },
                   std::chrono::seconds(30), std::chrono::milliseconds(50));
  }

  TempDir dir_;
  std::unique_ptr<SmtpSink> smtp_;
  SmsSink sms_;
  std::unique_ptr<HeralddProcess> heraldd_;
  std::string bootstrap_;
};

TEST_F(TraceTest, AKafkaEventsTraceReachesBothSinksTheStatusTopicAndTheLog) {
  TestProducer producer(bootstrap_);
  producer.Send("herald.orders", "anna", OrderEvent("ord-1", "anna").SerializeAsString(),
                "application/x-protobuf", {{"traceparent", Traceparent(kEmailTrace)}});
  producer.Send("herald.orders", "bert", OrderEvent("ord-2", "bert").SerializeAsString(),
                "application/x-protobuf", {{"traceparent", Traceparent(kSmsTrace)}});
  producer.Flush();
  ASSERT_TRUE(Sent("ord-1")) << heraldd_->process().Stderr();
  ASSERT_TRUE(Sent("ord-2")) << heraldd_->process().Stderr();
  EXPECT_EQ(Of("ord-1").trace_id(), kEmailTrace);
  EXPECT_EQ(Of("ord-2").trace_id(), kSmsTrace);

  // At both sinks: the same trace, a span of Herald's own hand-off.
  ASSERT_EQ(smtp_->WaitForMessages(1).size(), 1u);
  EXPECT_THAT(smtp_->Raw(1), HasSubstr("\r\nTraceparent: 00-" + std::string(kEmailTrace) + "-"));
  EXPECT_THAT(smtp_->Raw(1), Not(HasSubstr("00f067aa0ba902b7"))) << "a span of Herald's own";
  const std::vector<SmsSink::Seen> sms = sms_.seen();
  ASSERT_EQ(sms.size(), 1u);
  EXPECT_THAT(sms[0].traceparent,
              MatchesRegex("00-" + std::string(kSmsTrace) + "-[0-9a-f]{16}-01"));

  // On the status topic: in each change, and as the record's traceparent.
  const std::vector<ReadMessage> messages =
      ReadTopic(bootstrap_, "herald.delivery-status", 6, std::chrono::seconds(10));
  ASSERT_GE(messages.size(), 4u) << "recorded and sent, for each";
  for (const ReadMessage& m : messages) {
    v1::DeliveryStatusChange change;
    ASSERT_TRUE(change.ParseFromString(m.value));
    const std::string trace = change.customer_id() == "anna" ? kEmailTrace : kSmsTrace;
    EXPECT_EQ(change.trace_id(), trace) << change.DebugString();
    EXPECT_THAT(m.headers.at("traceparent"), HasSubstr("00-" + trace + "-"));
  }

  // In the log lines about them (at debug: one a hand-off).
  const std::string log = heraldd_->process().Stderr();
  for (const std::string trace : {kEmailTrace, kSmsTrace}) {
    EXPECT_TRUE(std::regex_search(
        log, std::regex("msg=\"event recorded\" event_id=ord-[12] trace_id=" + trace)))
        << trace;
    EXPECT_TRUE(std::regex_search(
        log, std::regex("msg=\"handed off\" notification_id=[^ ]+ trace_id=" + trace)))
        << trace;
  }
}

TEST_F(TraceTest, GrpcMetadataCarriesATraceAndOtherwiseANewOneStarts) {
  const std::vector<std::pair<std::string, std::string>> calls = {
      {"ord-g1", Traceparent(kGrpcTrace)},
      {"ord-g2", ""},
      {"ord-g3", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"},  // invalid
      {"ord-g4", "not a traceparent"}};
  for (const auto& [event_id, traceparent] : calls) {
    grpc::Status status = Publish(*heraldd_, OrderEvent(event_id, "anna"), traceparent);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  for (const auto& [event_id, traceparent] : calls) {
    ASSERT_TRUE(Sent(event_id)) << event_id << heraldd_->process().Stderr();
  }
  EXPECT_EQ(Of("ord-g1").trace_id(), kGrpcTrace);
  std::set<std::string> started;
  for (const char* event_id : {"ord-g2", "ord-g3", "ord-g4"}) {
    const std::string trace = Of(event_id).trace_id();
    EXPECT_THAT(trace, MatchesRegex("[0-9a-f]{32}")) << event_id;
    EXPECT_NE(trace, "00000000000000000000000000000000");
    started.insert(trace);
  }
  EXPECT_EQ(started.size(), 3u) << "each event starts a trace of its own";
  // The email of the traced call carries the caller's trace.
  bool found = false;
  for (size_t n = 1; n <= smtp_->WaitForMessages(4).size(); ++n) {
    found = found || smtp_->Raw(static_cast<int>(n)).find(kGrpcTrace) != std::string::npos;
  }
  EXPECT_TRUE(found);
}

// With log.format: json every line heraldd writes is one JSON object with its time,
// level and the fields of the logfmt line.
TEST(TraceLogTest, LogsCanBeJsonLinesOneObjectEach) {
  TempDir dir;
  {
    std::ofstream config(dir.File("heraldd.yaml"));
    config << "server:\n  grpc_listen: 127.0.0.1:0\n  http_listen: 127.0.0.1:0\n"
           << "store:\n  sqlite:\n    path: " << dir.File("herald.db") << "\n"
           << "auth:\n  admin_token_file: " << dir.File("admin.token") << "\n"
           << "log:\n  format: json\n  level: debug\n";
  }
  Subprocess heraldd({BuiltBinary(HERALDD_PATH), "--config", dir.File("heraldd.yaml")});
  ASSERT_TRUE(heraldd.WaitForLine("\"msg\":\"ready\"", std::chrono::seconds(60)).has_value())
      << heraldd.Stderr();
  heraldd.Signal(SIGTERM);
  EXPECT_EQ(heraldd.Wait(), 0);
  std::istringstream lines(heraldd.Stderr());
  std::string line;
  int parsed = 0;
  while (std::getline(lines, line)) {
    google::protobuf::Struct object;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &object).ok()) << line;
    EXPECT_TRUE(object.fields().contains("time")) << line;
    EXPECT_TRUE(object.fields().contains("level")) << line;
    EXPECT_TRUE(object.fields().contains("msg")) << line;
    ++parsed;
  }
  EXPECT_GT(parsed, 5);
}

}  // namespace
}  // namespace herald::testing
