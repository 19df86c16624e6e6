#include "services/store/postgres/dead_letter_rows.h"

#include "services/store/postgres/rows.h"

namespace herald::store::postgres {

absl::Status UpsertReplay(Conn& conn, const DeadLetterReplay& replay) {
  return conn
      .Exec(
          "INSERT INTO dead_letter_replays (dead_letter_id, replay_time_us, principal)"
          " VALUES ($1, $2, $3) ON CONFLICT (dead_letter_id) DO UPDATE SET"
          " replay_time_us = excluded.replay_time_us, principal = excluded.principal",
          Params()
              .Add(replay.dead_letter_id)
              .Add(ToMicros(replay.replay_time))
              .Add(replay.principal))
      .status();
}

absl::StatusOr<std::map<std::string, DeadLetterReplay>> SelectReplays(
    Conn& conn, const std::vector<std::string>& ids) {
  auto rows = conn.Exec(
      "SELECT dead_letter_id, replay_time_us, principal FROM dead_letter_replays"
      " WHERE dead_letter_id = ANY($1::text[])",
      Params().AddArray(ids));
  if (!rows.ok()) return rows.status();
  std::map<std::string, DeadLetterReplay> replays;
  for (int i = 0; i < rows->rows(); ++i) {
    DeadLetterReplay replay{.dead_letter_id = rows->Text(i, 0),
                            .replay_time = FromMicros(rows->Int(i, 1)),
                            .principal = rows->Text(i, 2)};
    replays.emplace(replay.dead_letter_id, std::move(replay));
  }
  return replays;
}

}  // namespace herald::store::postgres
