#include "services/store/sqlite/dead_letter_rows.h"

#include "services/store/sqlite/rows.h"

namespace herald::store::sqlite {

absl::Status UpsertReplay(Db& db, const DeadLetterReplay& replay) {
  auto upsert = db.Prepare(
      "INSERT INTO dead_letter_replays (dead_letter_id, replay_time_us, principal)"
      " VALUES (?1, ?2, ?3) ON CONFLICT (dead_letter_id) DO UPDATE SET"
      " replay_time_us = excluded.replay_time_us, principal = excluded.principal");
  if (!upsert.ok()) return upsert.status();
  return (*upsert)
      ->Bind(1, replay.dead_letter_id)
      .Bind(2, ToMicros(replay.replay_time))
      .Bind(3, replay.principal)
      .Run();
}

absl::StatusOr<std::optional<DeadLetterReplay>> ReadReplay(Db& db, std::string_view id) {
  auto query = db.Prepare(
      "SELECT replay_time_us, principal FROM dead_letter_replays WHERE dead_letter_id = ?1");
  if (!query.ok()) return query.status();
  absl::StatusOr<bool> found = (*query)->Bind(1, id).Step();
  if (!found.ok()) return found.status();
  if (!*found) return std::nullopt;
  return DeadLetterReplay{.dead_letter_id = std::string(id),
                          .replay_time = FromMicros((*query)->ColumnInt(0)),
                          .principal = (*query)->ColumnText(1)};
}

}  // namespace herald::store::sqlite
