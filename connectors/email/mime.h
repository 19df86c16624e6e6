#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "services/core/clock.h"

namespace herald::connectors::email {

/// The header fields of a Herald email. Values are text as people read it (UTF-8);
/// BuildMessage encodes what needs encoding.
struct EmailHeaders {
  std::string from_name;     // display name, e.g. "Herald Bank"; may be empty
  std::string from_address;  // e.g. "noreply@herald.example"
  std::string to;            // the customer's address
  std::string subject;
  std::string message_id;  // without angle brackets, e.g. "n-1ac4...@herald.example"
  core::Time date;
  /// An https URL for List-Unsubscribe; with one_click, List-Unsubscribe-Post too
  /// (RFC 8058). Empty: neither header.
  std::string list_unsubscribe;
  bool one_click = false;
  /// Further fields (e.g. X-Herald-Notification), ASCII names.
  std::vector<std::pair<std::string, std::string>> extra;
};

/// An RFC 5322 message in UTF-8 with CRLF line ends: the text body alone
/// (text/plain), or text and HTML as multipart/alternative; bodies quoted-printable,
/// header values with non-ASCII text as RFC 2047 encoded words, long lines folded.
/// INVALID_ARGUMENT names a header whose value has a CR, LF or NUL (no header
/// injection), an address that is not one, or text that is not UTF-8.
absl::StatusOr<std::string> BuildMessage(const EmailHeaders& headers, std::string_view text_body,
                                         std::string_view html_body);

/// Quoted-printable (RFC 2045) of UTF-8 text: LF or CRLF line ends become CRLF,
/// lines are at most 76 characters with soft breaks, '=', non-ASCII and trailing
/// blanks encoded.
std::string QuotedPrintable(std::string_view text);

/// A header value as RFC 2047 "B" encoded words, split between UTF-8 characters and
/// joined by folding whitespace so that no line passes 76 characters, the first
/// line having `first_line_used` already ("Subject: " is 9); ASCII text unchanged.
std::string EncodeHeaderValue(std::string_view value, size_t first_line_used = 0);

/// The Date header form of a time: "Sun, 22 Nov 2026 12:00:00 +0000".
std::string Rfc5322Date(core::Time t);

}  // namespace herald::connectors::email
