#include "services/policy/quiet_hours.h"

#include <gtest/gtest.h>

#include "tests/support/fake_clock.h"

namespace herald::policy {
namespace {

using namespace std::chrono;

using testing::Utc;  // a UTC instant, for stating expectations exactly

constexpr core::QuietHours kNight{22 * 60, 7 * 60};  // 22:00-07:00, crossing midnight

std::optional<core::Time> Until(const core::QuietHours& q, const char* zone, core::Time at) {
  auto result = QuietHoursCalendar::QuietUntil(q, zone, at);
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *result : std::nullopt;
}

TEST(QuietHours, BothSidesOfMidnightInTheCustomersZone) {
  // Amsterdam in winter is UTC+1.
  EXPECT_EQ(Until(kNight, "Europe/Amsterdam", Utc(2026, 1, 15, 20, 59)), std::nullopt);  // 21:59
  EXPECT_EQ(Until(kNight, "Europe/Amsterdam", Utc(2026, 1, 15, 21, 0)),
            Utc(2026, 1, 16, 6, 0));  // 22:00 -> 07:00 next morning
  EXPECT_EQ(Until(kNight, "Europe/Amsterdam", Utc(2026, 1, 15, 23, 30)),
            Utc(2026, 1, 16, 6, 0));  // 00:30, after midnight -> 07:00 the same day
  EXPECT_EQ(Until(kNight, "Europe/Amsterdam", Utc(2026, 1, 16, 5, 59)),
            Utc(2026, 1, 16, 6, 0));                                                   // 06:59
  EXPECT_EQ(Until(kNight, "Europe/Amsterdam", Utc(2026, 1, 16, 6, 0)), std::nullopt);  // 07:00
  // One instant, 04:00Z: 13:00 in Tokyo (UTC+9), 23:00 in New York (UTC-5).
  EXPECT_EQ(Until(kNight, "Asia/Tokyo", Utc(2026, 1, 16, 4, 0)), std::nullopt);
  EXPECT_EQ(Until(kNight, "America/New_York", Utc(2026, 1, 16, 4, 0)),
            Utc(2026, 1, 16, 12, 0));  // 07:00 EST
}

TEST(QuietHours, TheNightTheClocksGoForwardInMarch) {
  // 2026-03-29 02:00 CET -> 03:00 CEST. 23:00 CET on the 28th is 22:00Z; the window
  // ends at 07:00 CEST, 05:00Z: seven hours later, not eight.
  EXPECT_EQ(Until(kNight, "Europe/Amsterdam", Utc(2026, 3, 28, 22, 0)), Utc(2026, 3, 29, 5, 0));
}

TEST(QuietHours, TheNightTheClocksGoBackInOctober) {
  // 2026-10-25 03:00 CEST -> 02:00 CET. 23:00 CEST on the 24th is 21:00Z; the window
  // ends at 07:00 CET, 06:00Z: nine hours later.
  EXPECT_EQ(Until(kNight, "Europe/Amsterdam", Utc(2026, 10, 24, 21, 0)), Utc(2026, 10, 25, 6, 0));
}

TEST(QuietHours, AnEndInsideTheSkippedHourIsTheFirstValidInstantAfterIt) {
  // Quiet 01:00-02:30 on 2026-03-29 in Amsterdam: 02:30 does not exist that night;
  // the window ends at 03:00 CEST (01:00Z).
  const core::QuietHours q{60, 150};
  EXPECT_EQ(Until(q, "Europe/Amsterdam", Utc(2026, 3, 29, 0, 30)), Utc(2026, 3, 29, 1, 0));
  // The same when the window began the evening before (22:00-02:30, from 23:00 CET).
  EXPECT_EQ(Until({22 * 60, 150}, "Europe/Amsterdam", Utc(2026, 3, 28, 22, 0)),
            Utc(2026, 3, 29, 1, 0));
}

TEST(QuietHours, AnEndInTheRepeatedHourIsNeverInThePast) {
  // New York, 2026-11-01 02:00 EDT -> 01:00 EST: 01:00-02:00 happens twice (05:00Z-06:00Z
  // and 06:00Z-07:00Z). Quiet 22:00-01:30.
  const core::QuietHours q{22 * 60, 90};
  // In the first 01:xx, the window ends at the first 01:30 (05:30Z).
  EXPECT_EQ(Until(q, "America/New_York", Utc(2026, 11, 1, 5, 15)), Utc(2026, 11, 1, 5, 30));
  // At 01:15 the second time round the first 01:30 has passed: the second one.
  EXPECT_EQ(Until(q, "America/New_York", Utc(2026, 11, 1, 6, 15)), Utc(2026, 11, 1, 6, 30));
}

TEST(QuietHours, WindowsWithinADayAndNoWindow) {
  const core::QuietHours lunch{12 * 60, 14 * 60};
  EXPECT_EQ(Until(lunch, "UTC", Utc(2026, 6, 1, 11, 59)), std::nullopt);
  EXPECT_EQ(Until(lunch, "UTC", Utc(2026, 6, 1, 12, 0)), Utc(2026, 6, 1, 14, 0));
  EXPECT_EQ(Until(lunch, "UTC", Utc(2026, 6, 1, 14, 0)), std::nullopt);
  EXPECT_EQ(Until({8 * 60, 8 * 60}, "UTC", Utc(2026, 6, 1, 8, 0)), std::nullopt);
}

TEST(QuietHours, AnUnknownZoneIsAnError) {
  auto result = QuietHoursCalendar::QuietUntil(kNight, "Mars/Olympus", Utc(2026, 1, 1, 0, 0));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace herald::policy
