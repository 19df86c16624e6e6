#pragma once

#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "services/core/audit.h"
#include "services/store/audit_store.h"
#include "services/store/postgres/pg_conn.h"

// The audit trail (table `audit_records`).
namespace herald::store::postgres {

/// Appends after the last record, holding a transaction lock so that instances
/// appending at once form one chain; sets sequence, prev_hash and hash.
absl::Status AppendAuditRow(Conn& conn, core::AuditRecord& record);
/// Up to `limit` records after `after` that match, in sequence order.
absl::StatusOr<std::vector<core::AuditRecord>> SelectAudit(Conn& conn, const AuditFilter& filter,
                                                           int64_t after, int limit);

}  // namespace herald::store::postgres
