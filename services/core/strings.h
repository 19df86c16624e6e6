#pragma once

#include <concepts>
#include <string>
#include <string_view>

#include "absl/strings/string_view.h"

namespace herald::core {

// Debian's Abseil is built with its own absl::string_view (ABSL_OPTION_USE_STD_STRING_VIEW
// is 0), so absl::StrCat does not take std::string_view. StrCat here takes both, plus
// integers, and is what Herald uses to build messages.
namespace strings_internal {

inline void Append(std::string& out, std::string_view s) { out.append(s); }
inline void Append(std::string& out, absl::string_view s) { out.append(s.data(), s.size()); }
inline void Append(std::string& out, const char* s) { out.append(s); }
inline void Append(std::string& out, const std::string& s) { out.append(s); }
inline void Append(std::string& out, char c) { out.push_back(c); }
template <std::integral T>
requires(!std::same_as<T, char> && !std::same_as<T, bool>) void Append(std::string& out, T value) {
  out.append(std::to_string(value));
}

}  // namespace strings_internal

/// Concatenates strings (std or absl views, std::string, C strings, chars) and integers.
template <typename... Parts>
std::string StrCat(const Parts&... parts) {
  std::string out;
  (strings_internal::Append(out, parts), ...);
  return out;
}

/// Appends the concatenation of parts to out.
template <typename... Parts>
void StrAppend(std::string& out, const Parts&... parts) {
  (strings_internal::Append(out, parts), ...);
}

/// Levenshtein distance in bytes: how many insertions, deletions and substitutions
/// turn a into b (for "did you mean ...?").
size_t EditDistance(std::string_view a, std::string_view b);

/// Whether s is well-formed UTF-8 (no overlong forms, surrogates or values past U+10FFFF).
bool IsValidUtf8(std::string_view s);

/// At most `max_bytes` of s as well-formed UTF-8, cut on a character boundary, with each
/// ill-formed sequence replaced by U+FFFD (for text from outside, e.g. a provider's
/// answer, that goes into a detail).
std::string ToValidUtf8(std::string_view s, size_t max_bytes = std::string_view::npos);

/// Appends `text` as a JSON string literal, escaping only what JSON requires (a
/// message stays readable: "<token>", not "\u003ctoken\u003e"). `text` should be
/// valid UTF-8 (ToValidUtf8).
void AppendJsonString(std::string& out, std::string_view text);

/// A std::string_view of an absl::string_view (e.g. absl::Status::message()).
inline std::string_view ToStd(absl::string_view s) { return {s.data(), s.size()}; }
inline absl::string_view ToAbsl(std::string_view s) { return {s.data(), s.size()}; }

}  // namespace herald::core
