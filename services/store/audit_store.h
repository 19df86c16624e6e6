#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "services/core/audit.h"
#include "services/store/page.h"

namespace herald::store {

/// Which audit records a listing wants; empty fields match everything.
struct AuditFilter {
  std::string principal = {};
  std::string method = {};
  std::string resource = {};
  std::optional<core::Time> since = {};  // time >= since
  std::optional<core::Time> until = {};  // time < until
};

/// The audit trail (table `audit_records`): append-only, hash-chained. The table itself
/// refuses updates and deletes.
class AuditStore {
 public:
  virtual ~AuditStore() = default;

  /// Appends after the last record, in one transaction with reading it (every instance
  /// appends to one chain): sets sequence, prev_hash and hash; returns it as stored.
  virtual absl::StatusOr<core::AuditRecord> AppendAudit(core::AuditRecord record) = 0;
  /// Records after sequence `after` that match, in sequence order; next_after is the
  /// last one's sequence when there are more.
  virtual absl::StatusOr<Page<core::AuditRecord>> ListAudit(const AuditFilter& filter,
                                                            int64_t after, int limit) = 0;
};

}  // namespace herald::store
