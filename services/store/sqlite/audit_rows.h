#pragma once

#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "services/core/audit.h"
#include "services/store/audit_store.h"
#include "services/store/sqlite/sqlite_db.h"

// The audit trail (table `audit_records`).
namespace herald::store::sqlite {

/// The last record, if any.
absl::StatusOr<std::optional<core::AuditRecord>> ReadLastAudit(Db& db);
absl::Status InsertAudit(Db& db, const core::AuditRecord& record);
/// Up to `limit` records after `after` that match, in sequence order.
absl::StatusOr<std::vector<core::AuditRecord>> SelectAudit(Db& db, const AuditFilter& filter,
                                                           int64_t after, int limit);

}  // namespace herald::store::sqlite
