#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/store/sqlite/sqlite_db.h"
#include "services/store/store.h"

// Customers' decision versions (table `customer_versions`): what a write of decisions
// checks against what the policy read (store.h, CustomerVersion).
namespace herald::store::sqlite {

/// For each id, in order, its version (0: no decision recorded yet).
absl::StatusOr<std::vector<int64_t>> ReadCustomerVersions(Db& db,
                                                          const std::vector<std::string>& ids);
/// Moves each customer still at its version on by one; returns the ids of those that
/// were not (decided meanwhile), moving none of them.
absl::StatusOr<std::vector<std::string>> AdvanceCustomerVersions(
    Db& db, const std::vector<CustomerVersion>& decided_on);

}  // namespace herald::store::sqlite
