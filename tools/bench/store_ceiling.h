#pragma once
// The store's own ceiling: what the same kind of database takes when nothing but the
// writing is done.

#include <cstdint>
#include <string>

namespace herald::bench {

struct StoreCeiling {
  /// Rows written: one per notification of the measured run.
  int64_t rows = 0;
  /// Bytes a notification takes in the pipeline's database (its row, its share of the
  /// event and the change log, and their indexes), which each bare row takes too.
  double row_bytes = 0;
  double rows_per_second = 0;
};

/// Measures the pipeline's database at `pipeline_db` (what one notification takes in
/// it), then writes `rows` rows of that size into a fresh database in `dir`, opened as
/// heraldd's writer opens its own (WAL, synchronous=FULL, the same cache and checkpoint
/// settings, the same page size): keys in arrival order plus a unique text id (the
/// idempotency key), `batch` rows a transaction.
StoreCeiling MeasureStoreCeiling(const std::string& pipeline_db, const std::string& dir,
                                 int64_t rows, int batch);

/// The same on PostgreSQL: what one notification takes in the pipeline's database at
/// `pipeline_dsn`, then `rows` rows of that size into a table of its own in the database
/// at `bare_dsn` (on the same server), `batch` rows a transaction in one statement.
StoreCeiling MeasurePostgresCeiling(const std::string& pipeline_dsn, const std::string& bare_dsn,
                                    int64_t rows, int batch);

}  // namespace herald::bench
