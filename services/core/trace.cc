#include "services/core/trace.h"

#include <openssl/rand.h>

#include <algorithm>
#include <array>

#include "services/core/audit.h"
#include "services/core/strings.h"

namespace herald::core {
namespace {

bool IsLowerHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool AllZero(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == '0'; });
}

std::string Hex(const unsigned char* bytes, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * n, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0xf];
  }
  return out;
}

}  // namespace

std::optional<std::string> TraceIdOf(std::string_view traceparent) {
  // version "-" trace-id "-" parent-id "-" flags: 2 + 1 + 32 + 1 + 16 + 1 + 2.
  constexpr size_t kLength = 55;
  std::string_view t = traceparent;
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  if (t.size() < kLength || t[2] != '-' || t[35] != '-' || t[52] != '-') return std::nullopt;
  const std::string_view version = t.substr(0, 2);
  const std::string_view trace_id = t.substr(3, 32);
  const std::string_view parent_id = t.substr(36, 16);
  const std::string_view flags = t.substr(53, 2);
  if (!IsLowerHex(version) || version == "ff" || !IsLowerHex(trace_id) || !IsLowerHex(parent_id) ||
      !IsLowerHex(flags) || AllZero(trace_id) || AllZero(parent_id)) {
    return std::nullopt;
  }
  // Version 00 is exactly this long; a later version may add fields after a dash.
  if (t.size() > kLength && (version == "00" || t[kLength] != '-')) return std::nullopt;
  return std::string(trace_id);
}

std::string NewTraceId() {
  std::array<unsigned char, 16> bytes{};
  while (true) {
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
      // No randomness from OpenSSL: a trace id only has to be unlikely to repeat.
      const std::string fallback =
          Sha256Hex(StrCat(std::chrono::steady_clock::now().time_since_epoch().count(), "/",
                           reinterpret_cast<uintptr_t>(&bytes)));
      return fallback.substr(0, 32);
    }
    std::string id = Hex(bytes.data(), bytes.size());
    if (!AllZero(id)) return id;
  }
}

std::string Traceparent(std::string_view trace_id, std::string_view span_key) {
  std::string span = Sha256Hex(span_key).substr(0, 16);
  if (AllZero(span)) span[15] = '1';
  return StrCat("00-", trace_id, "-", span, "-01");
}

}  // namespace herald::core
