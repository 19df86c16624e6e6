#include "services/store/sqlite/audit_rows.h"

#include "services/core/strings.h"
#include "services/store/sqlite/rows.h"

namespace herald::store::sqlite {
namespace {

constexpr std::string_view kColumns =
    "SELECT sequence, time_us, principal, method, resource, before_sha256, after_sha256,"
    " prev_hash, hash FROM audit_records";

core::AuditRecord RecordFromRow(const Statement& r) {
  return {.sequence = r.ColumnInt(0),
          .time = FromMicros(r.ColumnInt(1)),
          .principal = r.ColumnText(2),
          .method = r.ColumnText(3),
          .resource = r.ColumnText(4),
          .before_sha256 = r.ColumnText(5),
          .after_sha256 = r.ColumnText(6),
          .prev_hash = r.ColumnText(7),
          .hash = r.ColumnText(8)};
}

}  // namespace

absl::StatusOr<std::optional<core::AuditRecord>> ReadLastAudit(Db& db) {
  auto query = db.Prepare(core::StrCat(kColumns, " ORDER BY sequence DESC LIMIT 1"));
  if (!query.ok()) return query.status();
  absl::StatusOr<bool> found = (*query)->Step();
  if (!found.ok()) return found.status();
  if (!*found) return std::nullopt;
  return RecordFromRow(**query);
}

absl::Status InsertAudit(Db& db, const core::AuditRecord& r) {
  auto insert = db.Prepare(
      "INSERT INTO audit_records (sequence, time_us, principal, method, resource, before_sha256,"
      " after_sha256, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  if (!insert.ok()) return insert.status();
  return (*insert)
      ->Bind(1, r.sequence)
      .Bind(2, ToMicros(r.time))
      .Bind(3, r.principal)
      .Bind(4, r.method)
      .Bind(5, r.resource)
      .Bind(6, r.before_sha256)
      .Bind(7, r.after_sha256)
      .Bind(8, r.prev_hash)
      .Bind(9, r.hash)
      .Run();
}

absl::StatusOr<std::vector<core::AuditRecord>> SelectAudit(Db& db, const AuditFilter& f,
                                                           int64_t after, int limit) {
  auto query = db.Prepare(core::StrCat(
      kColumns,
      " WHERE sequence > ?1 AND (?2 = '' OR principal = ?2) AND (?3 = '' OR method = ?3)"
      " AND (?4 = '' OR resource = ?4) AND (?5 IS NULL OR time_us >= ?5)"
      " AND (?6 IS NULL OR time_us < ?6) ORDER BY sequence LIMIT ?7"));
  if (!query.ok()) return query.status();
  std::vector<core::AuditRecord> out;
  absl::Status status = (*query)
                            ->Bind(1, after)
                            .Bind(2, f.principal)
                            .Bind(3, f.method)
                            .Bind(4, f.resource)
                            .Bind(5, ToMicros(f.since))
                            .Bind(6, ToMicros(f.until))
                            .Bind(7, int64_t{limit})
                            .ForEachRow([&](Statement& r) {
                              out.push_back(RecordFromRow(r));
                              return absl::OkStatus();
                            });
  if (!status.ok()) return status;
  return out;
}

}  // namespace herald::store::sqlite
