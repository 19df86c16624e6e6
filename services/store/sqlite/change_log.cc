#include "services/store/sqlite/change_log.h"

#include <algorithm>

#include "services/core/strings.h"
#include "services/store/record/records.h"
#include "services/store/sqlite/rows.h"

namespace herald::store::sqlite {
namespace {

constexpr char kStatusTopic[] = "status_topic";
// Batches looked at per prune, oldest first.
constexpr int kPruneBatches = 1000;

absl::StatusOr<int64_t> SingleInt(Db& db, std::string_view sql) {
  auto query = db.Prepare(sql);
  if (!query.ok()) return query.status();
  absl::StatusOr<bool> row = (*query)->Step();
  if (!row.ok()) return row.status();
  return *row ? (*query)->ColumnInt(0) : 0;
}

}  // namespace

absl::StatusOr<int64_t> LastChangeSequence(Db& db) {
  absl::StatusOr<int64_t> kept = SingleInt(db, "SELECT COALESCE(MAX(last_seq), 0) FROM changes");
  if (!kept.ok()) return kept.status();
  absl::StatusOr<int64_t> cursor = StatusCursor(db);
  if (!cursor.ok()) return cursor.status();
  return std::max(*kept, *cursor);
}

absl::Status AppendChangeBatch(Db& db, int64_t first, std::vector<StatusChange>& changes) {
  int64_t sequence = first;
  for (StatusChange& c : changes) c.sequence = sequence++;
  auto insert = db.Prepare(
      "INSERT INTO changes (first_seq, last_seq, commit_time_us, batch) VALUES (?1, ?2, ?3, ?4)");
  if (!insert.ok()) return insert.status();
  const auto now =
      std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  return (*insert)
      ->Bind(1, first)
      .Bind(2, sequence - 1)
      .Bind(3, ToMicros(now))
      .BindBlob(4, record::EncodeChangeBatch(changes))
      .Run();
}

absl::StatusOr<std::vector<StatusChange>> SelectChanges(Db& db, int64_t after, int limit,
                                                        bool skip_forgotten) {
  std::vector<StatusChange> out;
  // Batches are numbered by their first change: the one holding `after` + 1 starts at
  // or before it, the others after it (both found by the primary key, no scan).
  auto holding = db.Prepare(
      "SELECT first_seq, last_seq, batch FROM changes WHERE first_seq <= ?1"
      " ORDER BY first_seq DESC LIMIT 1");
  if (!holding.ok()) return holding.status();
  absl::StatusOr<bool> found = (*holding)->Bind(1, after + 1).Step();
  if (!found.ok()) return found.status();
  const bool holds = *found && (*holding)->ColumnInt(1) > after;
  const int64_t next_after = holds ? (*holding)->ColumnInt(0) : after;
  if (holds) {
    auto batch = record::DecodeChangeBatch((*holding)->ColumnView(2), (*holding)->ColumnInt(0));
    if (!batch.ok()) return batch.status();
    for (StatusChange& c : *batch) {
      if (c.sequence > after && static_cast<int>(out.size()) < limit) out.push_back(std::move(c));
    }
  }
  holding->reset();
  if (static_cast<int>(out.size()) >= limit) return out;
  auto next = db.Prepare(
      "SELECT first_seq, batch FROM changes WHERE first_seq > ?1 ORDER BY first_seq LIMIT ?2");
  if (!next.ok()) return next.status();
  bool first_batch = !holds;
  absl::Status status =
      (*next)
          ->Bind(1, next_after)
          .Bind(2, static_cast<int64_t>(std::max(1, limit)))
          .ForEachRow([&](Statement& r) -> absl::Status {
            if (static_cast<int>(out.size()) >= limit) return absl::OkStatus();
            const int64_t first = r.ColumnInt(0);
            if (first_batch && first > after + 1 && !skip_forgotten) {
              return absl::OutOfRangeError(
                  core::StrCat("changes ", after + 1, " to ", first - 1, " are no longer kept"));
            }
            first_batch = false;
            auto batch = record::DecodeChangeBatch(r.ColumnView(1), first);
            if (!batch.ok()) return batch.status();
            for (StatusChange& c : *batch) {
              if (static_cast<int>(out.size()) < limit) out.push_back(std::move(c));
            }
            return absl::OkStatus();
          });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<int64_t> StatusCursor(Db& db) {
  return SingleInt(db,
                   "SELECT COALESCE(MAX(sequence), 0) FROM change_cursors WHERE name = "
                   "'status_topic'");
}

absl::Status SetStatusCursor(Db& db, int64_t sequence) {
  auto upsert = db.Prepare(
      "INSERT INTO change_cursors (name, sequence) VALUES (?1, ?2)"
      " ON CONFLICT (name) DO UPDATE SET sequence = MAX(sequence, excluded.sequence)");
  if (!upsert.ok()) return upsert.status();
  return (*upsert)->Bind(1, kStatusTopic).Bind(2, sequence).Run();
}

absl::Status DeleteOldChanges(Db& db, std::optional<int64_t> published,
                              std::chrono::system_clock::time_point before) {
  // Batches are in commit order, so what may go is a prefix: look at the oldest ones
  // and stop at the first that must stay.
  auto oldest = db.Prepare(
      "SELECT first_seq, last_seq, commit_time_us FROM changes ORDER BY first_seq LIMIT ?1");
  if (!oldest.ok()) return oldest.status();
  const int64_t cutoff =
      std::chrono::duration_cast<std::chrono::microseconds>(before.time_since_epoch()).count();
  std::optional<int64_t> through;
  bool stop = false;
  absl::Status status = (*oldest)->Bind(1, int64_t{kPruneBatches}).ForEachRow([&](Statement& r) {
    if (stop) return absl::OkStatus();
    if (r.ColumnInt(2) >= cutoff || (published && r.ColumnInt(1) > *published)) {
      stop = true;
    } else {
      through = r.ColumnInt(0);
    }
    return absl::OkStatus();
  });
  if (!status.ok() || !through) return status;
  oldest->reset();
  auto remove = db.Prepare("DELETE FROM changes WHERE first_seq <= ?1");
  if (!remove.ok()) return remove.status();
  return (*remove)->Bind(1, *through).Run();
}

}  // namespace herald::store::sqlite
