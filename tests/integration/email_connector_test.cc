// The email connector against a real SMTP server (aiosmtpd): what arrives is parsed by
// Python's email package, not by Herald, so the MIME structure, the header encodings
// and the decoded bodies are checked independently.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "connectors/email/smtp_connector.h"
#include "tests/integration/smtp_sink.h"
#include "tests/support/fake_clock.h"
#include "tests/support/temp_dir.h"

namespace herald::connectors::email {
namespace {

using ::testing::HasSubstr;
using testing::SmtpSink;

std::string Field(const google::protobuf::Struct& s, const std::string& name) {
  auto it = s.fields().find(name);
  return it == s.fields().end() ? "" : it->second.string_value();
}

const google::protobuf::Struct& Sub(const google::protobuf::Struct& s, const std::string& name) {
  return s.fields().at(name).struct_value();
}

class EmailConnectorTest : public ::testing::Test {
 protected:
  std::unique_ptr<SmtpConnector> Connector(const std::string& url, SmtpOptions options = {}) {
    options.url = url;
    if (options.from_address.empty()) options.from_address = "noreply@herald.example";
    if (options.from_name.empty()) options.from_name = "Herald Bank";
    options.connect_timeout = std::chrono::seconds(5);
    options.timeout = std::chrono::seconds(20);
    auto connector = SmtpConnector::Create(options, clock_);
    EXPECT_TRUE(connector.ok()) << connector.status();
    return connector.ok() ? std::move(*connector) : nullptr;
  }

  static Delivery Mail(const std::string& id, const std::string& to) {
    Delivery d;
    d.notification_id = id;
    d.customer_id = "anna";
    d.category = core::Category::kOrderUpdate;
    d.address = to;
    d.message.channel = core::Channel::kEmail;
    d.message.locale = "nl";
    d.message.subject = "Je bestelling 1001 is onderweg — €12,50";
    d.message.text_body =
        "Hallo Anna,\n\nJe pakket is onderweg. Één regel met een heel lange zin die over de "
        "zesenzeventig tekens heen gaat, zodat hij zacht wordt afgebroken.\n.\nGroet  \n";
    d.message.html_body = "<p>Hallo Anna &amp; Co,</p>\n<p>Één pakket</p>\n";
    return d;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_{testing::Utc(2026, 11, 22, 12)};
};

TEST_F(EmailConnectorTest, AMultipartUtf8EmailArrivesAsItWasRendered) {
  SmtpSink sink(dir_.File("sink"));
  ASSERT_TRUE(sink.ready()) << sink.Stderr();
  auto connector = Connector(sink.url());
  Delivery survey = Mail("n-2", "anna@example.nl");
  survey.category = core::Category::kSurvey;
  survey.unsubscribe_url = "https://herald.example/u/n-2";
  survey.message.html_body.clear();

  SendResult sent = SendAndWait(*connector, Mail("n-1", "anna@example.nl"));
  EXPECT_EQ(sent.outcome, SendOutcome::kAccepted) << sent.detail;
  EXPECT_EQ(sent.provider_message_id, "H0001");
  EXPECT_EQ(SendAndWait(*connector, survey).outcome, SendOutcome::kAccepted);

  std::vector<google::protobuf::Struct> got = sink.WaitForMessages(2);
  ASSERT_EQ(got.size(), 2u);
  const google::protobuf::Struct& first = got[0];
  EXPECT_EQ(Field(first, "mail_from"), "noreply@herald.example");
  const google::protobuf::Struct& headers = Sub(first, "headers");
  EXPECT_EQ(Field(headers, "Subject"), "Je bestelling 1001 is onderweg — €12,50");
  EXPECT_EQ(Field(headers, "From"), "Herald Bank <noreply@herald.example>");
  EXPECT_EQ(Field(headers, "To"), "anna@example.nl");
  EXPECT_EQ(Field(headers, "Message-ID"), "<n-1@herald.example>");
  EXPECT_EQ(Field(headers, "Date"), "Sun, 22 Nov 2026 12:00:00 +0000");
  EXPECT_EQ(Field(headers, "X-Herald-Notification"), "n-1");
  EXPECT_FALSE(headers.fields().contains("List-Unsubscribe"));  // an order update
  const google::protobuf::Struct& body = Sub(first, "body");
  EXPECT_EQ(Field(body, "content_type"), "multipart/alternative");
  const auto& parts = body.fields().at("parts").list_value().values();
  ASSERT_EQ(parts.size(), 2);
  const google::protobuf::Struct& text = parts[0].struct_value();
  const google::protobuf::Struct& html = parts[1].struct_value();
  EXPECT_EQ(Field(text, "content_type"), "text/plain");
  EXPECT_EQ(Field(text, "charset"), "utf-8");
  EXPECT_EQ(Field(text, "transfer_encoding"), "quoted-printable");
  EXPECT_EQ(Field(text, "text"), Mail("n-1", "").message.text_body);  // dots and blanks too
  EXPECT_EQ(Field(html, "content_type"), "text/html");
  EXPECT_EQ(Field(html, "text"), Mail("n-1", "").message.html_body);
  // Every line of what went over the wire is within SMTP's limits.
  const std::string raw = sink.Raw(1);
  size_t start = 0;
  while (start < raw.size()) {
    const size_t end = raw.find("\r\n", start);
    ASSERT_NE(end, std::string::npos) << "a line without CRLF";
    EXPECT_LE(end - start, 78u) << raw.substr(start, end - start);
    start = end + 2;
  }

  // A survey: text only, and RFC 8058 one-click unsubscribe.
  const google::protobuf::Struct& second = Sub(got[1], "headers");
  EXPECT_EQ(Field(second, "List-Unsubscribe"), "<https://herald.example/u/n-2>");
  EXPECT_EQ(Field(second, "List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
  EXPECT_EQ(Field(Sub(got[1], "body"), "content_type"), "text/plain");
}

TEST_F(EmailConnectorTest, RepliesAreClassifiedRetryableOrPermanent) {
  SmtpSink sink(dir_.File("sink"));
  ASSERT_TRUE(sink.ready()) << sink.Stderr();
  auto connector = Connector(sink.url());

  SendResult bounce = SendAndWait(*connector, Mail("n-1", "bounce@example.nl"));
  EXPECT_EQ(bounce.outcome, SendOutcome::kPermanent);
  EXPECT_TRUE(bounce.address_rejected);
  EXPECT_EQ(bounce.detail, "550 5.1.1 <bounce@example.nl>: user unknown (to RCPT)");

  SendResult later = SendAndWait(*connector, Mail("n-2", "later@example.nl"));
  EXPECT_EQ(later.outcome, SendOutcome::kRetryable);
  EXPECT_FALSE(later.address_rejected);
  EXPECT_THAT(later.detail, HasSubstr("451 4.3.0"));

  // No header injection: nothing is sent.
  Delivery injected = Mail("n-3", "anna@example.nl");
  injected.message.subject = "Hello\r\nBcc: everyone@example.nl";
  SendResult refused = SendAndWait(*connector, injected);
  EXPECT_EQ(refused.outcome, SendOutcome::kPermanent);
  EXPECT_EQ(refused.detail, "header Subject contains a line break or NUL; refused");

  // The connection is still good after all that.
  EXPECT_EQ(SendAndWait(*connector, Mail("n-4", "anna@example.nl")).outcome,
            SendOutcome::kAccepted);
  EXPECT_EQ(sink.WaitForMessages(1).size(), 1u);

  // No server at all: try again later.
  const std::string url = sink.url();
  sink.Stop();
  SendResult down = SendAndWait(*connector, Mail("n-5", "anna@example.nl"));
  EXPECT_EQ(down.outcome, SendOutcome::kRetryable);
  EXPECT_FALSE(down.detail.empty());
}

TEST_F(EmailConnectorTest, ConnectionsAreReusedAcrossSendsAndThreads) {
  SmtpSink sink(dir_.File("sink"));
  ASSERT_TRUE(sink.ready()) << sink.Stderr();
  auto connector = Connector(sink.url(), {.pool_size = 2});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        const std::string id = "n-" + std::to_string(t) + "-" + std::to_string(i);
        SendResult r = SendAndWait(*connector, Mail(id, "anna@example.nl"));
        EXPECT_EQ(r.outcome, SendOutcome::kAccepted) << r.detail;
      }
    });
  }
  for (auto& t : threads) t.join();
  std::vector<google::protobuf::Struct> got = sink.WaitForMessages(20);
  ASSERT_EQ(got.size(), 20u);
  std::set<double> connections;
  std::set<std::string> ids;
  for (const auto& m : got) {
    connections.insert(m.fields().at("peer_port").number_value());
    ids.insert(Field(Sub(m, "headers"), "Message-ID"));
  }
  EXPECT_LE(connections.size(), 2u);  // at most the pool's two connections
  EXPECT_EQ(ids.size(), 20u);
}

TEST_F(EmailConnectorTest, AuthAndStartTls) {
  // A self-signed certificate for 127.0.0.1, made here.
  const std::string cert = dir_.File("cert.pem");
  const std::string key = dir_.File("key.pem");
  ASSERT_EQ(testing::RunToExit({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                                "-keyout", key, "-out", cert, "-days", "2", "-subj",
                                "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"})
                .exit_code,
            0);
  SmtpSink sink(dir_.File("sink"),
                {"--auth", "herald:s3cret", "--tls", cert, key, "--require-tls"});
  ASSERT_TRUE(sink.ready()) << sink.Stderr();

  auto good = Connector(sink.url(), {.starttls = StartTls::kRequired,
                                     .username = "herald",
                                     .password = "s3cret",
                                     .ca_file = cert});
  SendResult sent = SendAndWait(*good, Mail("n-1", "anna@example.nl"));
  EXPECT_EQ(sent.outcome, SendOutcome::kAccepted) << sent.detail;
  std::vector<google::protobuf::Struct> got = sink.WaitForMessages(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].fields().at("tls").bool_value());

  // Wrong password: the message is fine, the account is not; tried again later.
  auto wrong = Connector(
      sink.url(),
      {.starttls = StartTls::kRequired, .username = "herald", .password = "nope", .ca_file = cert});
  SendResult denied = SendAndWait(*wrong, Mail("n-2", "anna@example.nl"));
  EXPECT_EQ(denied.outcome, SendOutcome::kRetryable);
  EXPECT_THAT(denied.detail, HasSubstr("535"));
  EXPECT_THAT(denied.detail, HasSubstr("(to AUTH)"));
  // The credentials go over the wire base64-encoded; they never reach a detail.
  for (const char* secret : {"nope", "bm9wZQ", "aGVyYWxk", "AGhlcmFsZABub3Bl"}) {
    EXPECT_THAT(denied.detail, ::testing::Not(HasSubstr(secret))) << denied.detail;
  }

  // A certificate nobody vouches for is refused when verifying.
  auto untrusting = Connector(
      sink.url(), {.starttls = StartTls::kRequired, .username = "herald", .password = "s3cret"});
  SendResult unverified = SendAndWait(*untrusting, Mail("n-3", "anna@example.nl"));
  EXPECT_EQ(unverified.outcome, SendOutcome::kRetryable);
  EXPECT_EQ(sink.WaitForMessages(1).size(), 1u);
}

TEST_F(EmailConnectorTest, CredentialsWithoutRequiredTlsAreRefusedBeforeAnyConnection) {
  absl::StatusOr<std::unique_ptr<SmtpConnector>> opportunistic =
      SmtpConnector::Create({.url = "smtp://127.0.0.1:1",
                             .starttls = StartTls::kOpportunistic,
                             .username = "herald",
                             .password = "s3cret",
                             .from_address = "noreply@herald.example"},
                            clock_);
  EXPECT_TRUE(absl::IsInvalidArgument(opportunistic.status()));
  EXPECT_THAT(opportunistic.status().message(), HasSubstr("only over TLS"));
}

TEST_F(EmailConnectorTest, RequiredStartTlsIsNotSkippedWhenTheServerLacksIt) {
  SmtpSink sink(dir_.File("sink"));  // no TLS offered
  ASSERT_TRUE(sink.ready()) << sink.Stderr();
  auto connector = Connector(sink.url(), {.starttls = StartTls::kRequired});
  SendResult r = SendAndWait(*connector, Mail("n-1", "anna@example.nl"));
  EXPECT_EQ(r.outcome, SendOutcome::kRetryable);
  EXPECT_THAT(r.detail, HasSubstr("SSL"));
  auto opportunistic = Connector(sink.url(), {.starttls = StartTls::kOpportunistic});
  EXPECT_EQ(SendAndWait(*opportunistic, Mail("n-2", "anna@example.nl")).outcome,
            SendOutcome::kAccepted);
  std::vector<google::protobuf::Struct> got = sink.WaitForMessages(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(Field(Sub(got[0], "headers"), "Message-ID"), "<n-2@herald.example>");
}

}  // namespace
}  // namespace herald::connectors::email
