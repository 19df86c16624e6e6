#include "services/core/trace.h"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <random>

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

std::optional<TraceId> TraceId::FromHex(std::string_view hex) {
  if (hex.size() != 32 || !IsLowerHex(hex) || AllZero(hex)) return std::nullopt;
  TraceId id;
  std::copy(hex.begin(), hex.end(), id.digits_.begin());
  id.set_ = true;
  return id;
}

std::optional<TraceId> TraceIdOf(std::string_view traceparent) {
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
  return TraceId::FromHex(trace_id);
}

TraceId NewTraceId() {
  // 128 random bits a trace: a generator per thread, seeded once from the system's
  // randomness (a trace id is not a secret; it only must not repeat).
  thread_local std::mt19937_64 random = [] {
    std::array<unsigned char, 8> seed{};
    if (RAND_bytes(seed.data(), static_cast<int>(seed.size())) != 1) {
      const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
      std::memcpy(seed.data(), &now, sizeof now);
    }
    uint64_t value = 0;
    std::memcpy(&value, seed.data(), sizeof value);
    std::random_device device;
    return std::mt19937_64(value ^ (static_cast<uint64_t>(device()) << 32));
  }();
  while (true) {
    std::array<unsigned char, 16> bytes{};
    const uint64_t high = random();
    const uint64_t low = random();
    std::memcpy(bytes.data(), &high, 8);
    std::memcpy(bytes.data() + 8, &low, 8);
    if (std::optional<TraceId> id = TraceId::FromHex(Hex(bytes.data(), bytes.size()))) return *id;
  }
}

std::string Traceparent(const TraceId& trace, std::string_view span_key) {
  // A span id per key, the same every time: FNV-1a, then splitmix64's finaliser (a
  // span id needs to be distinct, not secret; SHA-256 would cost each hand-off and
  // status change a microsecond).
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const unsigned char c : span_key) h = (h ^ c) * 0x100000001b3ULL;
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  if (h == 0) h = 1;
  std::array<unsigned char, 8> bytes{};
  for (int i = 7; i >= 0; --i, h >>= 8) bytes[static_cast<size_t>(i)] = h & 0xff;
  return StrCat("00-", trace.hex(), "-", Hex(bytes.data(), bytes.size()), "-01");
}

}  // namespace herald::core
