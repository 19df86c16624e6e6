#include "services/core/contact_validation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace herald::core {
namespace {

using ::testing::HasSubstr;

std::string Message(const absl::Status& s) { return std::string(s.message()); }

TEST(NormalizeEmail, AcceptsAddressesAndLowercasesTheDomain) {
  EXPECT_EQ(*NormalizeEmail("Anna.de.Vries@Example.NL"), "Anna.de.Vries@example.nl");
  EXPECT_EQ(*NormalizeEmail("a+tag@sub.example.com"), "a+tag@sub.example.com");
}

TEST(NormalizeEmail, RejectsMalformedAddressesSayingWhy) {
  EXPECT_THAT(Message(NormalizeEmail("anna.example.nl").status()), HasSubstr("exactly one '@'"));
  EXPECT_THAT(Message(NormalizeEmail("a@b@example.nl").status()), HasSubstr("exactly one '@'"));
  EXPECT_THAT(Message(NormalizeEmail("@example.nl").status()), HasSubstr("1 to 64"));
  EXPECT_THAT(Message(NormalizeEmail("anna@localhost").status()), HasSubstr("example.com"));
  EXPECT_THAT(Message(NormalizeEmail("an na@example.nl").status()), HasSubstr("space"));
  EXPECT_THAT(Message(NormalizeEmail("anna@exa_mple.nl").status()), HasSubstr("'_'"));
  EXPECT_THAT(Message(NormalizeEmail("anna..b@example.nl").status()), HasSubstr("'.'"));
  EXPECT_THAT(Message(NormalizeEmail(std::string(65, 'a') + "@example.nl").status()),
              HasSubstr("1 to 64"));
}

TEST(NormalizePhone, ReturnsE164) {
  EXPECT_EQ(*NormalizePhone("+31612345678"), "+31612345678");
  EXPECT_EQ(*NormalizePhone("+31 6 1234 5678"), "+31612345678");
  EXPECT_EQ(*NormalizePhone("+32 470 12 34 56"), "+32470123456");
}

TEST(NormalizePhone, RejectsNumbersLibphonenumberRejects) {
  EXPECT_THAT(Message(NormalizePhone("0612345678").status()), HasSubstr("starts with '+'"));
  EXPECT_THAT(Message(NormalizePhone("+3161234").status()), HasSubstr("not a valid number"));
  EXPECT_THAT(Message(NormalizePhone("+banana").status()), HasSubstr("not a phone number"));
  EXPECT_FALSE(NormalizePhone("").ok());
}

TEST(NormalizeLocale, CanonicalizesBcp47Tags) {
  EXPECT_EQ(*NormalizeLocale("nl-BE"), "nl-BE");
  EXPECT_EQ(*NormalizeLocale("NL-be"), "nl-BE");
  EXPECT_EQ(*NormalizeLocale("en"), "en");
  EXPECT_EQ(*NormalizeLocale("es-419"), "es-419");
}

TEST(NormalizeLocale, RejectsUnknownOrMalformedTags) {
  EXPECT_THAT(Message(NormalizeLocale("nl_BE").status()), HasSubstr("BCP-47"));
  EXPECT_THAT(Message(NormalizeLocale("qq").status()), HasSubstr("unknown language"));
  EXPECT_THAT(Message(NormalizeLocale("nl-QQ").status()), HasSubstr("unknown region"));
  EXPECT_FALSE(NormalizeLocale("").ok());
}

TEST(NormalizeTimeZone, AcceptsIanaZonesOnly) {
  EXPECT_EQ(*NormalizeTimeZone("Europe/Amsterdam"), "Europe/Amsterdam");
  EXPECT_EQ(*NormalizeTimeZone("America/Argentina/Buenos_Aires"), "America/Argentina/Buenos_Aires");
  EXPECT_THAT(Message(NormalizeTimeZone("Europe/Amsterdamm").status()),
              HasSubstr("not an IANA time zone"));
  EXPECT_FALSE(NormalizeTimeZone("CEST+2").ok());
  EXPECT_FALSE(NormalizeTimeZone("").ok());
}

}  // namespace
}  // namespace herald::core
