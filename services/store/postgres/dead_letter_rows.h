#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/store/dead_letter_store.h"
#include "services/store/postgres/pg_conn.h"

// Replays of dead letters (table `dead_letter_replays`).
namespace herald::store::postgres {

absl::Status UpsertReplay(Conn& conn, const DeadLetterReplay& replay);
absl::StatusOr<std::map<std::string, DeadLetterReplay>> SelectReplays(
    Conn& conn, const std::vector<std::string>& ids);

}  // namespace herald::store::postgres
