#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/core/clock.h"
#include "services/core/kinds.h"
#include "services/store/postgres/pg_conn.h"

// What every table's row functions share: times as microseconds, enums by their stable
// names (as the SQLite store keeps them). Each *_rows.h maps one table (or state
// machine) and runs on a connection the caller holds inside a transaction.
namespace herald::store::postgres {

inline int64_t ToMicros(core::Time t) { return t.time_since_epoch().count(); }
inline core::Time FromMicros(int64_t us) { return core::Time(std::chrono::microseconds(us)); }
inline std::optional<int64_t> ToMicros(const std::optional<core::Time>& t) {
  if (!t) return std::nullopt;
  return ToMicros(*t);
}
inline std::optional<core::Time> OptionalTime(const Result& r, int row, int col) {
  if (r.IsNull(row, col)) return std::nullopt;
  return FromMicros(r.Int(row, col));
}

/// An enum's stored name, or nullopt (NULL) when unset.
template <typename E>
std::optional<std::string> NameOrNull(const std::optional<E>& value) {
  if (!value) return std::nullopt;
  return std::string(core::Name(*value));
}

/// Channels as stored: names joined with commas, in order.
std::string JoinChannels(const std::vector<core::Channel>& channels);
/// nullopt when a name is not a channel.
std::optional<std::vector<core::Channel>> SplitChannels(std::string_view text);

/// Parses a text[] column ({a,b,"c d"}) into its elements.
std::vector<std::string> ParseTextArray(std::string_view literal);

/// Bytes as a bytea[] element in text form ("\x" and hex digits).
std::string ByteaText(std::string_view bytes);

}  // namespace herald::store::postgres
