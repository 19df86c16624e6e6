#include "services/compose/sms.h"

#include <array>
#include <cstdint>
#include <vector>

#include "services/core/strings.h"

namespace herald::compose {
namespace {

// GSM 03.38 basic character set, as Unicode code points (ESC 0x1B excluded).
constexpr std::array<char32_t, 127> kBasic = {
    U'@', U'£', U'$', U'¥', U'è', U'é', U'ù', U'ì', U'ò',  U'Ç', U'\n', U'Ø', U'ø', U'\r', U'Å',
    U'å', U'Δ', U'_', U'Φ', U'Γ', U'Λ', U'Ω', U'Π', U'Ψ',  U'Σ', U'Θ',  U'Ξ', U'Æ', U'æ',  U'ß',
    U'É', U' ', U'!', U'"', U'#', U'¤', U'%', U'&', U'\'', U'(', U')',  U'*', U'+', U',',  U'-',
    U'.', U'/', U'0', U'1', U'2', U'3', U'4', U'5', U'6',  U'7', U'8',  U'9', U':', U';',  U'<',
    U'=', U'>', U'?', U'¡', U'A', U'B', U'C', U'D', U'E',  U'F', U'G',  U'H', U'I', U'J',  U'K',
    U'L', U'M', U'N', U'O', U'P', U'Q', U'R', U'S', U'T',  U'U', U'V',  U'W', U'X', U'Y',  U'Z',
    U'Ä', U'Ö', U'Ñ', U'Ü', U'§', U'¿', U'a', U'b', U'c',  U'd', U'e',  U'f', U'g', U'h',  U'i',
    U'j', U'k', U'l', U'm', U'n', U'o', U'p', U'q', U'r',  U's', U't',  U'u', U'v', U'w',  U'x',
    U'y', U'z', U'ä', U'ö', U'ñ', U'ü', U'à'};
// The extension table: each costs an escape septet and its own.
constexpr std::array<char32_t, 10> kExtension = {U'\f', U'^', U'{', U'}', U'\\',
                                                 U'[',  U'~', U']', U'|', U'€'};

// Decodes UTF-8; false when it is not valid.
bool Decode(std::string_view text, std::vector<char32_t>& out) {
  if (!core::IsValidUtf8(text)) return false;
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    int length = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    char32_t cp = length == 1   ? c
                  : length == 2 ? (c & 0x1F)
                  : length == 3 ? (c & 0x0F)
                                : (c & 0x07);
    for (int k = 1; k < length; ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(text[i + static_cast<size_t>(k)]) & 0x3F);
    }
    out.push_back(cp);
    i += static_cast<size_t>(length);
  }
  return true;
}

// Parts needed when characters of the given widths are packed in order into parts of
// `part` units, none split.
int Pack(const std::vector<int>& widths, int part) {
  int parts = 1;
  int used = 0;
  for (int w : widths) {
    if (used + w > part) {
      ++parts;
      used = 0;
    }
    used += w;
  }
  return parts;
}

// Septets per character for every code point below kTableSize (0: not GSM 03.38);
// only the euro sign lies beyond it.
constexpr size_t kTableSize = 0x400;
const std::array<uint8_t, kTableSize>& Septets() {
  static const std::array<uint8_t, kTableSize> table = [] {
    std::array<uint8_t, kTableSize> t{};
    for (char32_t c : kBasic) t[c] = 1;
    for (char32_t c : kExtension) {
      if (c < kTableSize) t[c] = 2;
    }
    return t;
  }();
  return table;
}

int SeptetsOf(char32_t c) {
  if (c < kTableSize) return Septets()[c];
  return c == U'€' ? 2 : 0;
}

}  // namespace

std::string_view Name(SmsEncoding encoding) {
  return encoding == SmsEncoding::kGsm7 ? "GSM_7" : "UCS_2";
}

absl::StatusOr<SmsSize> MeasureSms(std::string_view utf8) {
  std::vector<char32_t> chars;
  if (!Decode(utf8, chars)) return absl::InvalidArgumentError("the SMS text is not valid UTF-8");
  std::vector<int> widths;
  widths.reserve(chars.size());
  bool gsm = true;
  for (char32_t c : chars) {
    const int septets = SeptetsOf(c);
    if (septets == 0) {
      gsm = false;
      break;
    }
    widths.push_back(septets);
  }
  if (!gsm) {
    widths.clear();
    for (char32_t c : chars) widths.push_back(c > 0xFFFF ? 2 : 1);  // surrogate pairs
  }
  SmsSize size;
  size.encoding = gsm ? SmsEncoding::kGsm7 : SmsEncoding::kUcs2;
  for (int w : widths) size.units += w;
  const int single = gsm ? 160 : 70;
  const int part = gsm ? 153 : 67;
  size.segments = size.units <= single ? 1 : Pack(widths, part);
  return size;
}

}  // namespace herald::compose
