#include "services/core/masking.h"

#include <algorithm>

#include "absl/strings/ascii.h"

namespace herald::core {
namespace {

bool IsLocalChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '%' || c == '+' || c == '-' || static_cast<unsigned char>(c) >= 0x80;
}

bool IsDomainChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || static_cast<unsigned char>(c) >= 0x80;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::string MaskEmail(std::string_view email) {
  const size_t at = email.rfind('@');
  if (at == std::string_view::npos || at == 0) return std::string(email.size(), '*');
  return std::string(email.substr(0, 1)) + "***" + std::string(email.substr(at));
}

std::string MaskPhone(std::string_view phone) {
  std::string out(phone);
  // Keep "+" and four digits, and the last two digits; star the digits between.
  int seen = 0;
  int total = 0;
  for (char c : out) total += IsDigit(c) ? 1 : 0;
  for (char& c : out) {
    if (!IsDigit(c)) continue;
    ++seen;
    if (seen > 4 && seen <= total - 2) c = '*';
  }
  return out;
}

std::string MaskName(std::string_view name) {
  std::string out;
  bool word_start = true;
  bool in_first = false;  // within the first character of a word (UTF-8 continuation)
  for (char c : name) {
    const bool continuation = (static_cast<unsigned char>(c) & 0xC0) == 0x80;
    if (c == ' ') {
      out += ' ';
      word_start = true;
      in_first = false;
    } else if (word_start || (in_first && continuation)) {
      out += c;
      word_start = false;
      in_first = true;
    } else if (!continuation) {
      out += '*';  // one star per character, not per byte of UTF-8
      in_first = false;
    }
  }
  return out;
}

std::string MaskContactData(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '@') {
      // An address: the local part already copied goes back to its first character.
      size_t local = out.size();
      while (local > 0 && IsLocalChar(out[local - 1])) --local;
      size_t end = i + 1;
      while (end < text.size() && IsDomainChar(text[end])) ++end;
      const std::string_view domain = text.substr(i + 1, end - i - 1);
      if (local < out.size() && domain.find('.') != std::string_view::npos) {
        const std::string masked =
            MaskEmail(out.substr(local) + std::string(text.substr(i, end - i)));
        out.resize(local);
        out += masked;
        i = end;
        continue;
      }
    }
    if (c == '+' && i + 1 < text.size() && IsDigit(text[i + 1])) {
      size_t end = i + 1;
      int digits = 0;
      while (end < text.size() &&
             (IsDigit(text[end]) || ((text[end] == ' ' || text[end] == '-') &&
                                     end + 1 < text.size() && IsDigit(text[end + 1])))) {
        digits += IsDigit(text[end]) ? 1 : 0;
        ++end;
      }
      if (digits >= 8 && digits <= 15) {
        out += MaskPhone(text.substr(i, end - i));
        i = end;
        continue;
      }
    }
    out += c;
    ++i;
  }
  return out;
}

std::string EraseTerms(std::string_view text, const std::vector<std::string>& terms) {
  std::string out(text);
  for (const std::string& term : terms) {
    if (term.empty()) continue;
    size_t from = 0;
    while (from + term.size() <= out.size()) {
      const size_t at = static_cast<size_t>(
          std::search(
              out.begin() + static_cast<std::ptrdiff_t>(from), out.end(), term.begin(), term.end(),
              [](char a, char b) { return absl::ascii_tolower(a) == absl::ascii_tolower(b); }) -
          out.begin());
      if (at >= out.size()) break;
      out.replace(at, term.size(), "[erased]");
      from = at + 8;
    }
  }
  return MaskContactData(out);
}

}  // namespace herald::core
