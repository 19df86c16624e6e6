#include "connectors/email/mime.h"

#include <array>
#include <cstdint>
#include <ctime>

#include "services/core/strings.h"

namespace herald::connectors::email {
namespace {

constexpr std::string_view kCrlf = "\r\n";

bool IsAscii(std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t v = (static_cast<uint8_t>(in[i]) << 16) |
                       (static_cast<uint8_t>(in[i + 1]) << 8) | static_cast<uint8_t>(in[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < in.size()) {
    uint32_t v = static_cast<uint8_t>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<uint8_t>(in[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// Where the UTF-8 character that starts at or before `pos` begins.
size_t CharStart(std::string_view s, size_t pos) {
  while (pos > 0 && (static_cast<uint8_t>(s[pos]) & 0xC0) == 0x80) --pos;
  return pos;
}

// Folds an ASCII header line at blanks so that lines stay within 78 characters where
// the words allow (a word longer than that stays whole: RFC 5322 allows 998).
std::string Fold(std::string_view name, std::string_view value) {
  std::string out = core::StrCat(name, ": ");
  size_t line = out.size();
  size_t start = 0;
  while (start < value.size()) {
    size_t end = value.find(' ', start + 1);
    if (end == std::string_view::npos) end = value.size();
    const std::string_view word = value.substr(start, end - start);
    if (line + word.size() > 78 && line > name.size() + 2 && word.front() == ' ') {
      out += kCrlf;
      line = 0;
    }
    out += word;
    line += word.size();
    start = end;
  }
  out += kCrlf;
  return out;
}

absl::Status CheckHeader(std::string_view name, std::string_view value) {
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') {
      return absl::InvalidArgumentError(
          core::StrCat("header ", name, " contains a line break or NUL; refused"));
    }
  }
  if (!core::IsValidUtf8(value)) {
    return absl::InvalidArgumentError(core::StrCat("header ", name, " is not valid UTF-8"));
  }
  return absl::OkStatus();
}

absl::Status CheckAddress(std::string_view name, std::string_view address) {
  const size_t at = address.find('@');
  if (address.empty() || at == 0 || at == std::string_view::npos || at + 1 == address.size() ||
      address.find_first_of(" <>,;\"()[]\\") != std::string_view::npos || !IsAscii(address)) {
    return absl::InvalidArgumentError(
        core::StrCat("header ", name, ": \"", address, "\" is not an email address"));
  }
  return absl::OkStatus();
}

// A display name as a quoted string, or as encoded words when it is not ASCII.
std::string DisplayName(std::string_view name) {
  if (!IsAscii(name)) return EncodeHeaderValue(name, sizeof("From: ") - 1);
  std::string out = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

// A boundary that cannot occur in quoted-printable text ("=_" never does).
std::string Boundary(std::string_view message_id) {
  uint64_t hash = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : message_id) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "=_herald_";
  for (int shift = 60; shift >= 0; shift -= 4) out += kHex[(hash >> shift) & 0xF];
  return out;
}

std::string TextPart(std::string_view subtype, std::string_view body) {
  return core::StrCat("Content-Type: text/", subtype, "; charset=UTF-8", kCrlf,
                      "Content-Transfer-Encoding: quoted-printable", kCrlf, kCrlf,
                      QuotedPrintable(body), kCrlf);
}

}  // namespace

std::string QuotedPrintable(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  size_t line = 0;  // characters on the current output line
  auto emit = [&](std::string_view piece) {
    if (line + piece.size() > 75) {  // leave room for the soft break's '='
      out += "=\r\n";
      line = 0;
    }
    out += piece;
    line += piece.size();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;  // the LF ends it
    if (c == '\n') {
      out += kCrlf;
      line = 0;
      continue;
    }
    const bool at_line_end = i + 1 == text.size() || text[i + 1] == '\n' ||
                             (text[i + 1] == '\r' && i + 2 < text.size() && text[i + 2] == '\n');
    const bool plain =
        (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_line_end);
    if (plain) {
      const char ch = static_cast<char>(c);
      emit(std::string_view(&ch, 1));
    } else {
      const char encoded[3] = {'=', kHex[c >> 4], kHex[c & 0xF]};
      emit(std::string_view(encoded, 3));
    }
  }
  return out;
}

std::string EncodeHeaderValue(std::string_view value, size_t first_line_used) {
  if (IsAscii(value)) return std::string(value);
  // Lines of encoded words stay within 76 characters: "=?UTF-8?B?" and "?=" take 12,
  // and every 3 bytes take 4; a continuation line starts with one blank.
  auto bytes_for = [](size_t used) { return used + 12 + 4 >= 76 ? 3 : (76 - used - 12) / 4 * 3; };
  std::string out;
  size_t start = 0;
  while (start < value.size()) {
    const size_t max_bytes = bytes_for(out.empty() ? first_line_used : 1);
    size_t end = std::min(value.size(), start + max_bytes);
    if (end < value.size()) end = CharStart(value, end);
    if (end == start) end = std::min(value.size(), start + max_bytes);  // not UTF-8: split anyway
    if (!out.empty()) out += "\r\n ";
    core::StrAppend(out, "=?UTF-8?B?", Base64(value.substr(start, end - start)), "?=");
    start = end;
  }
  return out;
}

std::string Rfc5322Date(core::Time t) {
  const std::time_t seconds =
      std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[utc.tm_wday],
                utc.tm_mday, kMonths[utc.tm_mon], utc.tm_year + 1900, utc.tm_hour, utc.tm_min,
                utc.tm_sec);
  return buffer;
}

absl::StatusOr<std::string> BuildMessage(const EmailHeaders& h, std::string_view text_body,
                                         std::string_view html_body) {
  for (auto [name, value] : {std::pair<std::string_view, std::string_view>{"From", h.from_name},
                             {"From", h.from_address},
                             {"To", h.to},
                             {"Subject", h.subject},
                             {"Message-ID", h.message_id},
                             {"List-Unsubscribe", h.list_unsubscribe}}) {
    absl::Status ok = CheckHeader(name, value);
    if (!ok.ok()) return ok;
  }
  for (const auto& [name, value] : h.extra) {
    absl::Status ok = CheckHeader(name, name);
    if (ok.ok()) ok = CheckHeader(name, value);
    if (!ok.ok()) return ok;
  }
  for (auto [name, address] :
       {std::pair<std::string_view, std::string_view>{"From", h.from_address}, {"To", h.to}}) {
    absl::Status ok = CheckAddress(name, address);
    if (!ok.ok()) return ok;
  }
  if (h.message_id.find_first_of("<> ") != std::string::npos ||
      h.message_id.find('@') == std::string::npos) {
    return absl::InvalidArgumentError(
        core::StrCat("header Message-ID: \"", h.message_id, "\" is not local@domain"));
  }
  if (!core::IsValidUtf8(text_body) || !core::IsValidUtf8(html_body)) {
    return absl::InvalidArgumentError("the email body is not valid UTF-8");
  }

  std::string out;
  out += h.from_name.empty()
             ? core::StrCat("From: <", h.from_address, ">", kCrlf)
             : core::StrCat("From: ", DisplayName(h.from_name), " <", h.from_address, ">", kCrlf);
  core::StrAppend(out, "To: <", h.to, ">", kCrlf);
  out +=
      IsAscii(h.subject)
          ? Fold("Subject", h.subject)
          : core::StrCat("Subject: ", EncodeHeaderValue(h.subject, sizeof("Subject: ") - 1), kCrlf);
  core::StrAppend(out, "Date: ", Rfc5322Date(h.date), kCrlf);
  core::StrAppend(out, "Message-ID: <", h.message_id, ">", kCrlf);
  if (!h.list_unsubscribe.empty()) {
    core::StrAppend(out, "List-Unsubscribe: <", h.list_unsubscribe, ">", kCrlf);
    if (h.one_click)
      core::StrAppend(out, "List-Unsubscribe-Post: List-Unsubscribe=One-Click", kCrlf);
  }
  for (const auto& [name, value] : h.extra) {
    core::StrAppend(out, name, ": ", EncodeHeaderValue(value, name.size() + 2), kCrlf);
  }
  core::StrAppend(out, "MIME-Version: 1.0", kCrlf);
  if (html_body.empty()) {
    out += TextPart("plain", text_body);
    return out;
  }
  const std::string boundary = Boundary(h.message_id);
  core::StrAppend(out, "Content-Type: multipart/alternative; boundary=\"", boundary, "\"", kCrlf,
                  kCrlf);
  core::StrAppend(out, "--", boundary, kCrlf, TextPart("plain", text_body));
  core::StrAppend(out, "--", boundary, kCrlf, TextPart("html", html_body));
  core::StrAppend(out, "--", boundary, "--", kCrlf);
  return out;
}

}  // namespace herald::connectors::email
