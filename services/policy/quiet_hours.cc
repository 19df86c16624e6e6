#include "services/policy/quiet_hours.h"

#include <unicode/calendar.h>
#include <unicode/gregocal.h>
#include <unicode/timezone.h>

#include <memory>

#include "services/core/contact_validation.h"
#include "services/core/strings.h"

namespace herald::policy {
namespace {

using Millis = std::chrono::milliseconds;

UDate ToUDate(core::Time t) {
  return static_cast<UDate>(std::chrono::duration_cast<Millis>(t.time_since_epoch()).count());
}

core::Time FromUDate(UDate d) {
  return core::Time(
      std::chrono::duration_cast<std::chrono::microseconds>(Millis(static_cast<int64_t>(d))));
}

}  // namespace

absl::StatusOr<std::optional<core::Time>> QuietHoursCalendar::QuietUntil(
    const core::QuietHours& hours, std::string_view time_zone, core::Time at) {
  if (hours.start_minute == hours.end_minute) return std::nullopt;
  absl::StatusOr<std::unique_ptr<icu::TimeZone>> zone = core::MakeTimeZone(time_zone);
  if (!zone.ok()) return zone.status();
  UErrorCode status = U_ZERO_ERROR;
  icu::GregorianCalendar calendar(zone->release(), status);  // takes the zone
  if (U_FAILURE(status)) {
    return absl::InternalError(core::StrCat("icu calendar: ", u_errorName(status)));
  }
  calendar.setSkippedWallTimeOption(UCAL_WALLTIME_NEXT_VALID);
  calendar.setRepeatedWallTimeOption(UCAL_WALLTIME_FIRST);
  const UDate now = ToUDate(at);
  calendar.setTime(now, status);
  const int minute =
      calendar.get(UCAL_HOUR_OF_DAY, status) * 60 + calendar.get(UCAL_MINUTE, status);
  if (U_FAILURE(status)) {
    return absl::InternalError(core::StrCat("icu calendar: ", u_errorName(status)));
  }
  const bool crosses_midnight = hours.start_minute > hours.end_minute;
  const bool quiet = crosses_midnight ? (minute >= hours.start_minute || minute < hours.end_minute)
                                      : (minute >= hours.start_minute && minute < hours.end_minute);
  if (!quiet) return std::nullopt;

  // The window ends today at `end`, or, when that has passed (the part before
  // midnight of a window that crosses it), tomorrow. Setting the wall-clock fields
  // lets ICU apply that day's offset.
  calendar.set(UCAL_HOUR_OF_DAY, hours.end_minute / 60);
  calendar.set(UCAL_MINUTE, hours.end_minute % 60);
  calendar.set(UCAL_SECOND, 0);
  calendar.set(UCAL_MILLISECOND, 0);
  if (minute >= hours.end_minute) calendar.add(UCAL_DATE, 1, status);
  UDate end = calendar.getTime(status);
  if (U_SUCCESS(status) && end <= now) {
    // The end time falls in the hour repeated when clocks go back and its first
    // occurrence has passed (e.g. now is in the second one): the window ends at the
    // second occurrence.
    calendar.setRepeatedWallTimeOption(UCAL_WALLTIME_LAST);
    calendar.set(UCAL_HOUR_OF_DAY, hours.end_minute / 60);
    calendar.set(UCAL_MINUTE, hours.end_minute % 60);
    end = calendar.getTime(status);
  }
  if (U_FAILURE(status)) {
    return absl::InternalError(core::StrCat("icu calendar: ", u_errorName(status)));
  }
  if (end <= now) return std::nullopt;  // no instant of this window is still ahead
  return FromUDate(end);
}

}  // namespace herald::policy
