#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/core/clock.h"
#include "services/core/kinds.h"
#include "services/core/notification.h"
#include "services/store/sqlite/sqlite_db.h"

// What every table's row functions share: times as microseconds, enums by their stable
// names, ids lists for json_each. Each *_rows.h maps one table (or state machine) and
// runs on a connection the caller holds inside a transaction.
namespace herald::store::sqlite {

inline int64_t ToMicros(core::Time t) { return t.time_since_epoch().count(); }
inline core::Time FromMicros(int64_t us) { return core::Time(std::chrono::microseconds(us)); }
inline std::optional<int64_t> ToMicros(const std::optional<core::Time>& t) {
  if (!t) return std::nullopt;
  return ToMicros(*t);
}

inline std::optional<core::Time> OptionalTime(const Statement& r, int index) {
  if (r.ColumnIsNull(index)) return std::nullopt;
  return FromMicros(r.ColumnInt(index));
}

/// An enum's stored name, or NULL when unset.
template <typename E>
void BindName(Statement& s, int index, const std::optional<E>& value) {
  if (value) {
    s.Bind(index, core::Name(*value));
  } else {
    s.Bind(index, std::nullopt);
  }
}

/// Channels as stored: names joined with commas, in order.
std::string JoinChannels(const std::vector<core::Channel>& channels);
/// nullopt when a name is not a channel.
std::optional<std::vector<core::Channel>> SplitChannels(std::string_view text);

/// A JSON array of strings, for `json_each(?)`: one statement for many keys.
std::string JsonArray(const std::vector<std::string>& values);
std::string JsonArray(const std::vector<int64_t>& values);

}  // namespace herald::store::sqlite
