#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/store/postgres/pg_conn.h"
#include "services/store/store.h"

// Customers' decision versions (table `customer_versions`): what a write of decisions
// checks against what the policy read (store.h, CustomerVersion).
namespace herald::store::postgres {

/// For each id, in order, its version (0: no decision recorded yet).
absl::StatusOr<std::vector<int64_t>> ReadCustomerVersions(Conn& conn,
                                                          const std::vector<std::string>& ids);
/// Moves each customer still at its version on by one, in one statement; returns the ids
/// of those that were not (decided meanwhile). A concurrent writer of the same customer
/// waits for this transaction, then finds the version moved on.
absl::StatusOr<std::vector<std::string>> AdvanceCustomerVersions(
    Conn& conn, const std::vector<CustomerVersion>& decided_on);

}  // namespace herald::store::postgres
