#include "services/store/postgres/audit_rows.h"

#include "services/core/strings.h"
#include "services/store/postgres/rows.h"

namespace herald::store::postgres {
namespace {

// Serialises appends to the chain across every instance (within a transaction).
constexpr int64_t kAuditLock = 0x68657261756474;

constexpr std::string_view kColumns =
    "SELECT sequence, time_us, principal, method, resource, before_sha256, after_sha256,"
    " prev_hash, hash FROM audit_records";

core::AuditRecord RecordFromRow(const Result& r, int row) {
  return {.sequence = r.Int(row, 0),
          .time = FromMicros(r.Int(row, 1)),
          .principal = r.Text(row, 2),
          .method = r.Text(row, 3),
          .resource = r.Text(row, 4),
          .before_sha256 = r.Text(row, 5),
          .after_sha256 = r.Text(row, 6),
          .prev_hash = r.Text(row, 7),
          .hash = r.Text(row, 8)};
}

}  // namespace

absl::Status AppendAuditRow(Conn& conn, core::AuditRecord& record) {
  absl::Status locked = conn.Run(core::StrCat("SELECT pg_advisory_xact_lock(", kAuditLock, ")"));
  if (!locked.ok()) return locked;
  auto last = conn.Exec(core::StrCat(kColumns, " ORDER BY sequence DESC LIMIT 1"));
  if (!last.ok()) return last.status();
  if (last->rows() > 0) {
    const core::AuditRecord previous = RecordFromRow(*last, 0);
    record.sequence = previous.sequence + 1;
    record.prev_hash = previous.hash;
  } else {
    record.sequence = 1;
    record.prev_hash.clear();
  }
  record.hash = core::AuditHash(record);
  return conn
      .Exec(
          "INSERT INTO audit_records (sequence, time_us, principal, method, resource,"
          " before_sha256, after_sha256, prev_hash, hash)"
          " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
          Params()
              .Add(record.sequence)
              .Add(ToMicros(record.time))
              .Add(record.principal)
              .Add(record.method)
              .Add(record.resource)
              .Add(record.before_sha256)
              .Add(record.after_sha256)
              .Add(record.prev_hash)
              .Add(record.hash))
      .status();
}

absl::StatusOr<std::vector<core::AuditRecord>> SelectAudit(Conn& conn, const AuditFilter& f,
                                                           int64_t after, int limit) {
  auto rows = conn.Exec(
      core::StrCat(kColumns,
                   " WHERE sequence > $1 AND ($2 = '' OR principal = $2)"
                   " AND ($3 = '' OR method = $3) AND ($4 = '' OR resource = $4)"
                   " AND ($5::bigint IS NULL OR time_us >= $5)"
                   " AND ($6::bigint IS NULL OR time_us < $6) ORDER BY sequence LIMIT $7"),
      Params()
          .Add(after)
          .Add(f.principal)
          .Add(f.method)
          .Add(f.resource)
          .Add(ToMicros(f.since))
          .Add(ToMicros(f.until))
          .Add(limit));
  if (!rows.ok()) return rows.status();
  std::vector<core::AuditRecord> out;
  for (int i = 0; i < rows->rows(); ++i) out.push_back(RecordFromRow(*rows, i));
  return out;
}

}  // namespace herald::store::postgres
