#include "services/compose/localize.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/fake_clock.h"

namespace herald::compose {
namespace {

using ::testing::HasSubstr;
using testing::Utc;

core::Template Bilingual() {
  core::Template t;
  t.name = "order-shipped";
  t.default_locale = "en";
  for (const char* locale : {"en", "nl", "fr-BE"}) {
    core::LocalizedContent c;
    c.locale = locale;
    c.sms = core::SmsContent{locale};
    t.contents.push_back(c);
  }
  return t;
}

TEST(SelectContent, ExactThenLanguageThenTheDefault) {
  const core::Template t = Bilingual();
  EXPECT_EQ(SelectContent(t, "fr-BE")->locale, "fr-BE");
  EXPECT_EQ(SelectContent(t, "nl-BE")->locale, "nl");
  EXPECT_EQ(SelectContent(t, "nl")->locale, "nl");
  EXPECT_EQ(SelectContent(t, "fr-FR")->locale, "en");  // fr alone is not there
  EXPECT_EQ(SelectContent(t, "de-DE")->locale, "en");
  EXPECT_EQ(SelectContent(t, "")->locale, "en");
  core::Template none = t;
  none.default_locale = "de";
  EXPECT_EQ(SelectContent(none, "es"), nullptr);
}

// Expectations are ICU 72's (Debian bookworm) CLDR data; U+00A0 and U+202F are the
// no-break spaces CLDR puts in amounts and times.
TEST(FormatMoney, InTheCustomersLocaleExactly) {
  EXPECT_EQ(*FormatMoney(1234, 500'000'000, "EUR", "nl-NL"), "€\u00A01.234,50");
  EXPECT_EQ(*FormatMoney(1234, 500'000'000, "EUR", "en-IE"), "€1,234.50");
  EXPECT_EQ(*FormatMoney(1234, 500'000'000, "EUR", "fr-BE"), "1\u202F234,50\u00A0€");
  EXPECT_EQ(*FormatMoney(0, 10'000'000, "USD", "en-US"), "$0.01");
  EXPECT_EQ(*FormatMoney(-5, -250'000'000, "EUR", "nl-NL"), "€\u00A0-5,25");
  EXPECT_EQ(*FormatMoney(1500, 0, "JPY", "ja-JP"), "￥1,500");
  EXPECT_EQ(FormatMoney(1, 0, "EURO", "nl-NL").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(FormatMoney(1, 0, "XQZ", "nl-NL").status().message(),
              HasSubstr("not an ISO 4217 currency code"));
}

TEST(FormatDateAndTime, InTheCustomersZoneAndLocale) {
  // 2026-03-01T23:30Z is already Monday 2 March in Amsterdam, still Sunday in New York.
  const core::Time t = Utc(2026, 3, 1, 23, 30);
  EXPECT_EQ(*FormatDate(t, "nl-NL", "Europe/Amsterdam"), "maandag 2 maart 2026");
  EXPECT_EQ(*FormatDate(t, "en-US", "America/New_York"), "Sunday, March 1, 2026");
  EXPECT_EQ(*FormatTimeOfDay(t, "nl-NL", "Europe/Amsterdam"), "00:30");
  EXPECT_EQ(*FormatTimeOfDay(t, "en-US", "America/New_York"), "6:30\u202FPM");
  EXPECT_EQ(FormatDate(t, "nl-NL", "Europe/Amsterdm").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(FormatDateAndTime, EachMinuteShowsItsOwnTime) {
  // Formatting remembers what it made by the minute: seconds apart is the same text,
  // the next minute is not.
  const core::Time noon = Utc(2026, 3, 1, 12, 5);
  EXPECT_EQ(*FormatTimeOfDay(noon + std::chrono::seconds(10), "nl-NL", "Europe/Amsterdam"),
            "13:05");
  EXPECT_EQ(*FormatTimeOfDay(noon + std::chrono::seconds(50), "nl-NL", "Europe/Amsterdam"),
            "13:05");
  EXPECT_EQ(*FormatTimeOfDay(noon + std::chrono::seconds(60), "nl-NL", "Europe/Amsterdam"),
            "13:06");
  EXPECT_EQ(*FormatTimeOfDay(noon + std::chrono::seconds(60), "en-US", "America/New_York"),
            "7:06\u202FAM");
  // Until 1972 Monrovia was 44:30 behind UTC: one UTC minute held two local ones.
  const core::Time before = Utc(1960, 6, 1, 12, 0);
  EXPECT_EQ(*FormatTimeOfDay(before + std::chrono::seconds(20), "nl-NL", "Africa/Monrovia"),
            "11:15");
  EXPECT_EQ(*FormatTimeOfDay(before + std::chrono::seconds(40), "nl-NL", "Africa/Monrovia"),
            "11:16");
}

}  // namespace
}  // namespace herald::compose
