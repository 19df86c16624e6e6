#include "connectors/email/mime.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "connectors/email/smtp_connector.h"
#include "tests/support/fake_clock.h"

namespace herald::connectors::email {
namespace {

using ::testing::HasSubstr;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find("\r\n", start);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 2;
  }
  return out;
}

TEST(QuotedPrintable, EncodesWhatMustBeAndBreaksLongLinesSoftly) {
  EXPECT_EQ(QuotedPrintable("a=b\n"), "a=3Db\r\n");
  EXPECT_EQ(QuotedPrintable("Één €"), "=C3=89=C3=A9n =E2=82=AC");
  EXPECT_EQ(QuotedPrintable("trailing  \nend\t"), "trailing =20\r\nend=09");
  EXPECT_EQ(QuotedPrintable("crlf\r\nkept"), "crlf\r\nkept");
  const std::string long_line(200, 'x');
  const std::string encoded = QuotedPrintable(long_line);
  for (const std::string& line : Lines(encoded)) EXPECT_LE(line.size(), 76u) << line;
  std::string decoded;
  for (const std::string& line : Lines(encoded)) {
    decoded += line.back() == '=' ? line.substr(0, line.size() - 1) : line;
  }
  EXPECT_EQ(decoded, long_line);
  // An encoded byte is never split by a soft break.
  for (const std::string& line : Lines(QuotedPrintable(std::string(100, '=')))) {
    EXPECT_EQ((line.size() - (line.back() == '=' ? 1 : 0)) % 3, 0u) << line;
  }
}

TEST(EncodeHeaderValue, AsciiStaysAndUtf8BecomesEncodedWordsWithinTheLineLimit) {
  EXPECT_EQ(EncodeHeaderValue("Your order"), "Your order");
  EXPECT_EQ(EncodeHeaderValue("Héllo"), "=?UTF-8?B?SMOpbGxv?=");
  // 40 two-byte characters: split between characters, every line within 76.
  std::string value;
  for (int i = 0; i < 40; ++i) value += "é";
  const std::string encoded = EncodeHeaderValue(value, 9);
  const std::vector<std::string> lines = Lines(encoded);
  ASSERT_GE(lines.size(), 2u);
  EXPECT_LE(lines[0].size() + 9, 76u);
  for (size_t i = 1; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i][0], ' ');
    EXPECT_LE(lines[i].size(), 76u);
  }
}

TEST(BuildMessage, RefusesHeaderInjectionAndBadAddresses) {
  EmailHeaders h;
  h.from_address = "noreply@herald.example";
  h.to = "anna@example.nl";
  h.subject = "Hi";
  h.message_id = "n-1@herald.example";
  h.date = testing::TestEpoch();
  ASSERT_TRUE(BuildMessage(h, "text", "").ok());

  EmailHeaders injected = h;
  injected.subject = "Hi\nBcc: x@example.nl";
  EXPECT_EQ(BuildMessage(injected, "text", "").status().message(),
            "header Subject contains a line break or NUL; refused");
  injected = h;
  injected.to = "anna@example.nl\r\nBcc: x@example.nl";
  EXPECT_THAT(std::string(BuildMessage(injected, "t", "").status().message()),
              HasSubstr("header To contains a line break"));
  injected = h;
  injected.extra = {{"X-Tag", "a\rb"}};
  EXPECT_THAT(std::string(BuildMessage(injected, "t", "").status().message()),
              HasSubstr("header X-Tag contains a line break"));
  injected = h;
  injected.list_unsubscribe = "https://x\n";
  EXPECT_FALSE(BuildMessage(injected, "t", "").ok());
  EmailHeaders bad = h;
  bad.to = "anna, bob@example.nl";
  EXPECT_EQ(BuildMessage(bad, "t", "").status().message(),
            "header To: \"anna, bob@example.nl\" is not an email address");
  bad = h;
  bad.message_id = "<n-1@herald.example>";
  EXPECT_FALSE(BuildMessage(bad, "t", "").ok());
  EXPECT_EQ(BuildMessage(h, "\xff", "").status().message(), "the email body is not valid UTF-8");
}

TEST(BuildMessage, TextAloneOrTextAndHtmlAsAlternatives) {
  EmailHeaders h;
  h.from_name = "Herald \"Bank\"";
  h.from_address = "noreply@herald.example";
  h.to = "anna@example.nl";
  h.subject = "Hi";
  h.message_id = "n-1@herald.example";
  h.date = testing::TestEpoch();
  absl::StatusOr<std::string> text = BuildMessage(h, "Hallo\n", "");
  ASSERT_TRUE(text.ok());
  EXPECT_THAT(*text, HasSubstr("From: \"Herald \\\"Bank\\\"\" <noreply@herald.example>\r\n"));
  EXPECT_THAT(*text, HasSubstr("Date: Sun, 01 Mar 2026 12:00:00 +0000\r\n"));
  EXPECT_THAT(*text, HasSubstr("Content-Type: text/plain; charset=UTF-8\r\n"));
  EXPECT_THAT(*text, ::testing::Not(HasSubstr("multipart")));
  absl::StatusOr<std::string> both = BuildMessage(h, "Hallo\n", "<p>Hallo</p>");
  ASSERT_TRUE(both.ok());
  EXPECT_THAT(*both, HasSubstr("Content-Type: multipart/alternative; boundary=\"=_herald_"));
  EXPECT_THAT(*both, HasSubstr("Content-Type: text/html; charset=UTF-8\r\n"));
  // The same notification gives the same bytes: a retry is the same message.
  EXPECT_EQ(*both, *BuildMessage(h, "Hallo\n", "<p>Hallo</p>"));
}

TEST(ClassifySmtp, OneFunctionDecidesWhatIsTriedAgain) {
  EXPECT_EQ(ClassifySmtp(0, 250, "250 2.0.0 Ok: queued as 4Fk2x", "DATA", "").provider_message_id,
            "4Fk2x");
  const SendResult bounce = ClassifySmtp(55, 550, "550 5.1.1 user unknown", "RCPT TO:<x@y>", "");
  EXPECT_EQ(bounce.outcome, SendOutcome::kPermanent);
  EXPECT_TRUE(bounce.address_rejected);
  const SendResult spam = ClassifySmtp(8, 554, "554 5.7.1 rejected as spam", "DATA", "");
  EXPECT_EQ(spam.outcome, SendOutcome::kPermanent);
  EXPECT_FALSE(spam.address_rejected);
  EXPECT_EQ(ClassifySmtp(55, 451, "451 4.3.0 later", "RCPT TO:<x@y>", "").outcome,
            SendOutcome::kRetryable);
  EXPECT_EQ(ClassifySmtp(67, 535, "535 5.7.8 invalid", "AUTH", "").outcome,
            SendOutcome::kRetryable);  // our account, not the message
  // A relay that refuses us is not the customer's address.
  const SendResult relay =
      ClassifySmtp(55, 554, "554 5.7.1 <x@y>: Relay access denied", "RCPT TO:<x@y>", "");
  EXPECT_EQ(relay.outcome, SendOutcome::kRetryable);
  EXPECT_FALSE(relay.address_rejected);
  EXPECT_EQ(
      ClassifySmtp(55, 530, "530 5.7.0 Authentication required", "MAIL FROM:<a@b>", "").outcome,
      SendOutcome::kRetryable);
  // A full mailbox is refused for good, but the address exists.
  const SendResult full = ClassifySmtp(55, 552, "552 5.2.2 mailbox full", "RCPT TO:<x@y>", "");
  EXPECT_EQ(full.outcome, SendOutcome::kPermanent);
  EXPECT_FALSE(full.address_rejected);
  EXPECT_TRUE(ClassifySmtp(55, 550, "550 no such user", "RCPT TO:<x@y>", "").address_rejected);
  EXPECT_EQ(ClassifySmtp(7, 0, "", "", "Connection refused").outcome, SendOutcome::kRetryable);
  EXPECT_EQ(ClassifySmtp(28, 0, "", "", "timed out").outcome, SendOutcome::kRetryable);
}

}  // namespace
}  // namespace herald::connectors::email
