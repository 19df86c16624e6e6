#include "services/store/sqlite/customer_version_rows.h"

#include <unordered_map>

#include "services/store/sqlite/rows.h"

namespace herald::store::sqlite {

absl::StatusOr<std::vector<int64_t>> ReadCustomerVersions(Db& db,
                                                          const std::vector<std::string>& ids) {
  auto query = db.Prepare(
      "SELECT customer_id, version FROM customer_versions"
      " WHERE customer_id IN (SELECT value FROM json_each(?1))");
  if (!query.ok()) return query.status();
  std::unordered_map<std::string, int64_t> found;
  absl::Status status = (*query)->Bind(1, JsonArray(ids)).ForEachRow([&](Statement& r) {
    found.emplace(r.ColumnText(0), r.ColumnInt(1));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  std::vector<int64_t> out;
  out.reserve(ids.size());
  for (const std::string& id : ids) {
    auto it = found.find(id);
    out.push_back(it == found.end() ? 0 : it->second);
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> AdvanceCustomerVersions(
    Db& db, const std::vector<CustomerVersion>& decided_on) {
  std::vector<std::string> ids;
  ids.reserve(decided_on.size());
  for (const CustomerVersion& v : decided_on) ids.push_back(v.customer_id);
  absl::StatusOr<std::vector<int64_t>> current = ReadCustomerVersions(db, ids);
  if (!current.ok()) return current.status();
  std::vector<std::string> stale;
  for (size_t i = 0; i < decided_on.size(); ++i) {
    if ((*current)[i] != decided_on[i].version) stale.push_back(decided_on[i].customer_id);
  }
  for (size_t i = 0; i < decided_on.size(); ++i) {
    if ((*current)[i] != decided_on[i].version) continue;
    auto upsert = db.Prepare(
        "INSERT INTO customer_versions (customer_id, version) VALUES (?1, ?2)"
        " ON CONFLICT (customer_id) DO UPDATE SET version = excluded.version");
    if (!upsert.ok()) return upsert.status();
    absl::Status status =
        (*upsert)->Bind(1, decided_on[i].customer_id).Bind(2, decided_on[i].version + 1).Run();
    if (!status.ok()) return status;
  }
  return stale;
}

}  // namespace herald::store::sqlite
