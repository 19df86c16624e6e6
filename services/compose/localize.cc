#include "services/compose/localize.h"

#include <unicode/datefmt.h>
#include <unicode/locid.h>
#include <unicode/numfmt.h>
#include <unicode/timezone.h>
#include <unicode/ucal.h>
#include <unicode/ucurr.h>

#include <memory>
#include <string>
#include <unordered_map>

#include "services/core/contact_validation.h"
#include "services/core/strings.h"

namespace herald::compose {
namespace {

icu::Locale ToLocale(std::string_view tag) {
  UErrorCode status = U_ZERO_ERROR;
  icu::Locale locale = icu::Locale::forLanguageTag(
      icu::StringPiece(tag.data(), static_cast<int32_t>(tag.size())), status);
  return U_SUCCESS(status) ? locale : icu::Locale::getRoot();
}

std::string ToUtf8(const icu::UnicodeString& s) {
  std::string out;
  s.toUTF8String(out);
  return out;
}

// ICU formatters are costly to create and not safe to share between threads: each
// thread keeps the ones it made, by what they format, up to a bound.
template <typename Format>
class FormatCache {
 public:
  Format* Find(const std::string& key) {
    auto it = formats_.find(key);
    return it == formats_.end() ? nullptr : it->second.get();
  }
  Format* Add(std::string key, std::unique_ptr<Format> format) {
    if (formats_.size() >= kMaxEntries) formats_.clear();
    return formats_.insert_or_assign(std::move(key), std::move(format)).first->second.get();
  }

 private:
  static constexpr size_t kMaxEntries = 256;
  std::unordered_map<std::string, std::unique_ptr<Format>> formats_;
};

// A date format and what it made lately: a full date and a short time of day show
// nothing finer than the minute, and events at a rate share their minutes.
struct DateFormatter {
  std::unique_ptr<icu::DateFormat> format;
  std::unordered_map<int64_t, std::string> by_minute;
};

absl::StatusOr<std::string> Format(core::Time t, std::string_view locale,
                                   std::string_view time_zone, bool date) {
  thread_local FormatCache<DateFormatter> cache;
  std::string key = core::StrCat(date ? "d " : "t ", locale, " ", time_zone);
  DateFormatter* formatter = cache.Find(key);
  if (formatter == nullptr) {
    absl::StatusOr<std::unique_ptr<icu::TimeZone>> zone = core::MakeTimeZone(time_zone);
    if (!zone.ok()) return zone.status();
    std::unique_ptr<icu::DateFormat> made(
        date ? icu::DateFormat::createDateInstance(icu::DateFormat::kFull, ToLocale(locale))
             : icu::DateFormat::createTimeInstance(icu::DateFormat::kShort, ToLocale(locale)));
    if (made == nullptr) return absl::InternalError("icu: no date format for the locale");
    made->adoptTimeZone(zone->release());
    auto made_formatter = std::make_unique<DateFormatter>();
    made_formatter->format = std::move(made);
    formatter = cache.Add(std::move(key), std::move(made_formatter));
  }
  icu::UnicodeString out;
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch());
  // Since 1972 every time zone is whole minutes off UTC, so one UTC minute is one local
  // minute (before, some were seconds off: those are formatted each time).
  constexpr std::chrono::seconds k1972(63'072'000);
  if (t.time_since_epoch() < k1972) {
    formatter->format->format(static_cast<UDate>(millis.count()), out);
    return ToUtf8(out);
  }
  const int64_t minute = std::chrono::floor<std::chrono::minutes>(t.time_since_epoch()).count();
  auto known = formatter->by_minute.find(minute);
  if (known != formatter->by_minute.end()) return known->second;
  formatter->format->format(static_cast<UDate>(millis.count()), out);
  if (formatter->by_minute.size() >= 64) formatter->by_minute.clear();
  return formatter->by_minute.emplace(minute, ToUtf8(out)).first->second;
}

}  // namespace

const core::LocalizedContent* SelectContent(const core::Template& tmpl, std::string_view locale) {
  auto find = [&](std::string_view wanted) -> const core::LocalizedContent* {
    for (const core::LocalizedContent& c : tmpl.contents) {
      if (c.locale == wanted) return &c;
    }
    return nullptr;
  };
  if (!locale.empty()) {
    if (const auto* exact = find(locale)) return exact;
    const size_t dash = locale.find('-');
    if (dash != std::string_view::npos) {
      if (const auto* language = find(locale.substr(0, dash))) return language;
    }
  }
  return find(tmpl.default_locale);
}

absl::StatusOr<std::string> FormatMoney(int64_t units, int32_t nanos, std::string_view currency,
                                        std::string_view locale) {
  UErrorCode status = U_ZERO_ERROR;
  thread_local FormatCache<icu::NumberFormat> cache;
  std::string key = core::StrCat(locale, " ", currency);
  icu::NumberFormat* format = cache.Find(key);
  if (format == nullptr) {
    std::unique_ptr<icu::NumberFormat> made(
        icu::NumberFormat::createCurrencyInstance(ToLocale(locale), status));
    if (U_FAILURE(status)) {
      return absl::InvalidArgumentError(
          core::StrCat("no currency format for locale \"", locale, "\": ", u_errorName(status)));
    }
    icu::UnicodeString code = icu::UnicodeString::fromUTF8(
        icu::StringPiece(currency.data(), static_cast<int32_t>(currency.size())));
    if (currency.size() != 3 ||
        !ucurr_isAvailable(code.getTerminatedBuffer(), U_DATE_MIN, U_DATE_MAX, &status) ||
        U_FAILURE(status)) {
      return absl::InvalidArgumentError(
          core::StrCat("\"", currency, "\" is not an ISO 4217 currency code"));
    }
    made->setCurrency(code.getTerminatedBuffer(), status);
    if (U_FAILURE(status)) {
      return absl::InvalidArgumentError(core::StrCat("cannot use currency \"", currency, "\""));
    }
    format = cache.Add(std::move(key), std::move(made));
  }
  // Exact in decimal: units and nanos as a decimal string, not a double.
  std::string amount =
      core::StrCat(units < 0 || nanos < 0 ? "-" : "", units < 0 ? -units : units, ".");
  std::string fraction = std::to_string(nanos < 0 ? -nanos : nanos);
  amount += std::string(9 - fraction.size(), '0') + fraction;
  icu::UnicodeString out;
  format->format(icu::StringPiece(amount), out, nullptr, status);
  if (U_FAILURE(status)) {
    return absl::InvalidArgumentError(core::StrCat("cannot format ", amount, " ", currency));
  }
  return ToUtf8(out);
}

absl::StatusOr<std::string> FormatDate(core::Time t, std::string_view locale,
                                       std::string_view time_zone) {
  return Format(t, locale, time_zone, /*date=*/true);
}

absl::StatusOr<std::string> FormatTimeOfDay(core::Time t, std::string_view locale,
                                            std::string_view time_zone) {
  return Format(t, locale, time_zone, /*date=*/false);
}

}  // namespace herald::compose
