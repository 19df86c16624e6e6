#include "services/core/contact_validation.h"

#include <phonenumbers/phonenumberutil.h>
#include <unicode/locid.h>
#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "absl/strings/ascii.h"
#include "services/core/strings.h"

namespace herald::core {
namespace {

bool HasSpaceOrControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f;
  });
}

}  // namespace

absl::Status ValidateCustomerId(std::string_view id) {
  if (id.empty()) return absl::InvalidArgumentError("must be set");
  if (id.size() > 128) return absl::InvalidArgumentError("is longer than 128 bytes");
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) &&
        std::string_view("-_.:@").find(c) == std::string_view::npos) {
      return absl::InvalidArgumentError(core::StrCat("\"", id, "\" contains '", std::string(1, c),
                                                     "'; use letters, digits and -_.:@"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> NormalizeEmail(std::string_view email) {
  if (email.size() > 254) {
    return absl::InvalidArgumentError(
        core::StrCat("email address is ", email.size(), " bytes long; at most 254 allowed"));
  }
  if (HasSpaceOrControl(email)) {
    return absl::InvalidArgumentError("email address contains a space or control character");
  }
  const size_t at = email.rfind('@');
  if (at == std::string_view::npos || email.find('@') != at) {
    return absl::InvalidArgumentError(
        core::StrCat("\"", email, "\" is not an email address: it needs exactly one '@'"));
  }
  std::string_view local = email.substr(0, at);
  std::string_view domain = email.substr(at + 1);
  if (local.empty() || local.size() > 64) {
    return absl::InvalidArgumentError(
        core::StrCat("\"", email, "\": the part before '@' must be 1 to 64 bytes long"));
  }
  if (local.front() == '.' || local.back() == '.' || local.find("..") != local.npos) {
    return absl::InvalidArgumentError(
        core::StrCat("\"", email, "\": the part before '@' has a misplaced '.'"));
  }
  const size_t dot = domain.find('.');
  if (domain.empty() || dot == std::string_view::npos || domain.front() == '.' ||
      domain.back() == '.' || domain.find("..") != domain.npos) {
    return absl::InvalidArgumentError(
        core::StrCat("\"", email, "\": the domain after '@' must be a name like example.com"));
  }
  for (char c : domain) {
    auto u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) || c == '-' || c == '.' || u >= 0x80)) {
      return absl::InvalidArgumentError(
          core::StrCat("\"", email, "\": the domain contains '", std::string(1, c), "'"));
    }
  }
  return core::StrCat(local, "@", absl::AsciiStrToLower(std::string(domain)));
}

absl::StatusOr<std::string> NormalizePhone(std::string_view phone) {
  using i18n::phonenumbers::PhoneNumber;
  using i18n::phonenumbers::PhoneNumberUtil;
  if (phone.empty() || phone.front() != '+') {
    return absl::InvalidArgumentError(
        core::StrCat("\"", phone,
                     "\" is not an international phone number: E.164 starts with '+' "
                     "and the country code, e.g. +31612345678"));
  }
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  if (util.Parse(std::string(phone), "ZZ", &number) != PhoneNumberUtil::NO_PARSING_ERROR) {
    return absl::InvalidArgumentError(core::StrCat("\"", phone, "\" is not a phone number"));
  }
  if (!util.IsValidNumber(number)) {
    return absl::InvalidArgumentError(core::StrCat(
        "\"", phone, "\" is not a valid number for country code +", number.country_code()));
  }
  std::string e164;
  util.Format(number, PhoneNumberUtil::E164, &e164);
  return e164;
}

absl::StatusOr<std::string> NormalizeLocale(std::string_view locale) {
  UErrorCode status = U_ZERO_ERROR;
  icu::Locale loc =
      icu::Locale::forLanguageTag(icu::StringPiece(locale.data(), locale.size()), status);
  if (U_FAILURE(status) || loc.isBogus() || std::string_view(loc.getLanguage()).empty()) {
    return absl::InvalidArgumentError(core::StrCat(
        "\"", locale, "\" is not a BCP-47 language tag (expected e.g. \"nl\" or \"nl-BE\")"));
  }
  if (std::string_view(loc.getISO3Language()).empty()) {
    return absl::InvalidArgumentError(
        core::StrCat("\"", locale, "\": unknown language \"", loc.getLanguage(), "\""));
  }
  if (!std::string_view(loc.getCountry()).empty() &&
      std::string_view(loc.getISO3Country()).empty() &&
      !std::all_of(loc.getCountry(), loc.getCountry() + std::strlen(loc.getCountry()),
                   [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    return absl::InvalidArgumentError(
        core::StrCat("\"", locale, "\": unknown region \"", loc.getCountry(), "\""));
  }
  std::string canonical = loc.toLanguageTag<std::string>(status);
  if (U_FAILURE(status)) {
    return absl::InvalidArgumentError(core::StrCat("\"", locale, "\" cannot be canonicalized"));
  }
  return canonical;
}

absl::StatusOr<std::string> NormalizeTimeZone(std::string_view time_zone) {
  if (time_zone.empty()) {
    return absl::InvalidArgumentError("time zone is empty");
  }
  icu::UnicodeString canonical;
  UBool is_system_id = false;
  UErrorCode status = U_ZERO_ERROR;
  icu::TimeZone::getCanonicalID(
      icu::UnicodeString::fromUTF8(icu::StringPiece(time_zone.data(), time_zone.size())), canonical,
      is_system_id, status);
  if (U_FAILURE(status) || !is_system_id) {
    return absl::InvalidArgumentError(core::StrCat(
        "\"", time_zone, "\" is not an IANA time zone (expected e.g. \"Europe/Amsterdam\")"));
  }
  return std::string(time_zone);
}

absl::StatusOr<std::unique_ptr<icu::TimeZone>> MakeTimeZone(std::string_view time_zone) {
  std::unique_ptr<icu::TimeZone> zone(icu::TimeZone::createTimeZone(
      icu::UnicodeString::fromUTF8(icu::StringPiece(time_zone.data(), time_zone.size()))));
  icu::UnicodeString id;
  zone->getID(id);
  if (id == UNICODE_STRING_SIMPLE("Etc/Unknown")) {
    return absl::InvalidArgumentError(core::StrCat("\"", time_zone, "\" is not an IANA time zone"));
  }
  return zone;
}

}  // namespace herald::core
