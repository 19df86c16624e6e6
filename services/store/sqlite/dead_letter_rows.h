#pragma once

#include <optional>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/store/dead_letter_store.h"
#include "services/store/sqlite/sqlite_db.h"

// Replays of dead letters (table `dead_letter_replays`).
namespace herald::store::sqlite {

absl::Status UpsertReplay(Db& db, const DeadLetterReplay& replay);
absl::StatusOr<std::optional<DeadLetterReplay>> ReadReplay(Db& db, std::string_view id);

}  // namespace herald::store::sqlite
