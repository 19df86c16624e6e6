#include "services/store/postgres/change_log.h"

#include <algorithm>

#include "services/core/strings.h"
#include "services/store/postgres/rows.h"
#include "services/store/record/records.h"

namespace herald::store::postgres {
namespace {

constexpr char kStatusTopic[] = "status_topic";

}  // namespace

absl::Status AppendChangeBatch(Conn& conn, std::vector<StatusChange>& changes) {
  if (changes.empty()) return absl::OkStatus();
  const int64_t count = static_cast<int64_t>(changes.size());
  auto counter = conn.Exec(
      "UPDATE change_counter SET next_seq = next_seq + $1 WHERE id = 1 RETURNING next_seq - $1",
      Params().Add(count));
  if (!counter.ok()) return counter.status();
  const int64_t first = counter->Int(0, 0);
  int64_t sequence = first;
  for (StatusChange& c : changes) c.sequence = sequence++;
  const auto now =
      std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  return conn
      .Exec(
          "INSERT INTO changes (first_seq, last_seq, commit_time_us, batch)"
          " VALUES ($1, $2, $3, $4)",
          Params()
              .Add(first)
              .Add(sequence - 1)
              .Add(ToMicros(now))
              .AddBytes(record::EncodeChangeBatch(changes)))
      .status();
}

absl::StatusOr<int64_t> LastChangeSequence(Conn& conn) {
  auto row = conn.Exec("SELECT next_seq - 1 FROM change_counter WHERE id = 1");
  if (!row.ok()) return row.status();
  return row->rows() > 0 ? row->Int(0, 0) : 0;
}

absl::StatusOr<std::vector<StatusChange>> SelectChanges(Conn& conn, int64_t after, int limit,
                                                        bool skip_forgotten) {
  std::vector<StatusChange> out;
  // Batches are numbered by their first change: the one holding `after` + 1 starts at
  // or before it, the others after it (both found by the primary key, no scan).
  auto holding = conn.Exec(
      "SELECT first_seq, last_seq, batch FROM changes WHERE first_seq <= $1"
      " ORDER BY first_seq DESC LIMIT 1",
      Params().Add(after + 1));
  if (!holding.ok()) return holding.status();
  const bool holds = holding->rows() > 0 && holding->Int(0, 1) > after;
  const int64_t next_after = holds ? holding->Int(0, 0) : after;
  if (holds) {
    auto batch = record::DecodeChangeBatch(holding->Bytes(0, 2), holding->Int(0, 0));
    if (!batch.ok()) return batch.status();
    for (StatusChange& c : *batch) {
      if (c.sequence > after && static_cast<int>(out.size()) < limit) out.push_back(std::move(c));
    }
  }
  if (static_cast<int>(out.size()) >= limit) return out;
  auto next = conn.Exec(
      "SELECT first_seq, batch FROM changes WHERE first_seq > $1 ORDER BY first_seq LIMIT $2",
      Params().Add(next_after).Add(std::max(1, limit)));
  if (!next.ok()) return next.status();
  for (int r = 0; r < next->rows() && static_cast<int>(out.size()) < limit; ++r) {
    const int64_t first = next->Int(r, 0);
    if (r == 0 && !holds && first > after + 1 && !skip_forgotten) {
      return absl::OutOfRangeError(
          core::StrCat("changes ", after + 1, " to ", first - 1, " are no longer kept"));
    }
    auto batch = record::DecodeChangeBatch(next->Bytes(r, 1), first);
    if (!batch.ok()) return batch.status();
    for (StatusChange& c : *batch) {
      if (static_cast<int>(out.size()) < limit) out.push_back(std::move(c));
    }
  }
  return out;
}

absl::StatusOr<int64_t> StatusCursor(Conn& conn) {
  auto row =
      conn.Exec("SELECT sequence FROM change_cursors WHERE name = $1", Params().Add(kStatusTopic));
  if (!row.ok()) return row.status();
  return row->rows() > 0 ? row->Int(0, 0) : 0;
}

absl::Status SetStatusCursor(Conn& conn, int64_t sequence) {
  return conn
      .Exec(
          "INSERT INTO change_cursors (name, sequence) VALUES ($1, $2)"
          " ON CONFLICT (name) DO UPDATE SET"
          " sequence = GREATEST(change_cursors.sequence, excluded.sequence)",
          Params().Add(kStatusTopic).Add(sequence))
      .status();
}

absl::Status DeleteOldChanges(Conn& conn, std::optional<int64_t> published,
                              std::chrono::system_clock::time_point before) {
  const int64_t cutoff =
      std::chrono::duration_cast<std::chrono::microseconds>(before.time_since_epoch()).count();
  // Batches are in commit order, so what may go is a prefix.
  return conn
      .Exec(
          "DELETE FROM changes WHERE commit_time_us < $1 AND ($2::bigint IS NULL OR last_seq <= $2)"
          " AND first_seq < COALESCE((SELECT MIN(first_seq) FROM changes"
          " WHERE commit_time_us >= $1 OR ($2::bigint IS NOT NULL AND last_seq > $2)),"
          " 9223372036854775807)",
          Params().Add(cutoff).Add(published))
      .status();
}

}  // namespace herald::store::postgres
