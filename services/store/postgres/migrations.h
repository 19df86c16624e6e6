#pragma once

#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "services/store/postgres/pg_conn.h"

namespace herald::store::postgres {

/// One step of the PostgreSQL schema's history (its own numbering, from 1). Steps are
/// never edited once released: a change is a new step.
struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

/// Every migration, in version order.
const std::vector<Migration>& Migrations();

/// Applies the migrations the database lacks, each in its own transaction, while
/// holding a session advisory lock, so that instances starting together apply each
/// step once (the others wait, then find it applied). Refuses a database whose schema
/// is newer than this binary knows.
absl::Status ApplyMigrations(Conn& conn, const std::vector<Migration>& migrations);

}  // namespace herald::store::postgres
