#pragma once

#include <string_view>

#include "absl/status/statusor.h"

namespace herald::compose {

/// How an SMS travels: the GSM 03.38 7-bit alphabet when every character is in it
/// (basic set one septet, extension table two), UCS-2 (UTF-16) otherwise.
enum class SmsEncoding { kGsm7, kUcs2 };

/// The size of an SMS as a provider bills it.
struct SmsSize {
  SmsEncoding encoding = SmsEncoding::kGsm7;
  /// Septets (GSM-7) or UTF-16 code units (UCS-2).
  int units = 0;
  /// 160 septets or 70 units fit one message; a longer text is split into parts of
  /// 153 septets or 67 units, and a character never straddles two parts (an extension
  /// character's two septets, an emoji's surrogate pair).
  int segments = 0;
};

/// INVALID_ARGUMENT when the text is not UTF-8. An empty text is one segment.
absl::StatusOr<SmsSize> MeasureSms(std::string_view utf8);

std::string_view Name(SmsEncoding encoding);

}  // namespace herald::compose
