#pragma once

#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "services/store/sqlite/sqlite_db.h"

namespace herald::store::sqlite {

/// One step of the schema's history. Steps are never edited once released: a change
/// is a new step.
struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
  /// Moves what SQL alone cannot (after `sql`, in the same transaction); may be null.
  absl::Status (*move)(Db& db) = nullptr;
  /// Runs after `move`.
  std::string_view sql_after = {};
};

/// Version 6's data move: each notification with its decisions, attempts and state
/// changes becomes one row with its history packed (records.proto), numbered in creation
/// order; rendered messages, receipts' provider ids and the status outbox follow.
absl::Status MoveToPackedNotifications(Db& db);

/// Every migration, in version order.
const std::vector<Migration>& Migrations();

/// Applies the migrations the database lacks, each in its own transaction. Refuses a
/// database whose schema is newer than this binary knows.
absl::Status ApplyMigrations(Db& db, const std::vector<Migration>& migrations);

}  // namespace herald::store::sqlite
