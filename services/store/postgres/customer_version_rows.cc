#include "services/store/postgres/customer_version_rows.h"

#include <unordered_map>
#include <unordered_set>

namespace herald::store::postgres {

absl::StatusOr<std::vector<int64_t>> ReadCustomerVersions(Conn& conn,
                                                          const std::vector<std::string>& ids) {
  auto rows = conn.Exec(
      "SELECT customer_id, version FROM customer_versions WHERE customer_id = ANY($1::text[])",
      Params().AddArray(ids));
  if (!rows.ok()) return rows.status();
  std::unordered_map<std::string, int64_t> found;
  for (int r = 0; r < rows->rows(); ++r) found.emplace(rows->Text(r, 0), rows->Int(r, 1));
  std::vector<int64_t> out;
  out.reserve(ids.size());
  for (const std::string& id : ids) {
    auto it = found.find(id);
    out.push_back(it == found.end() ? 0 : it->second);
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> AdvanceCustomerVersions(
    Conn& conn, const std::vector<CustomerVersion>& decided_on) {
  if (decided_on.empty()) return std::vector<std::string>();
  std::vector<std::string> ids;
  std::vector<int64_t> versions;
  for (const CustomerVersion& v : decided_on) {
    ids.push_back(v.customer_id);
    versions.push_back(v.version);
  }
  // Customers seen for the first time are inserted (a concurrent insert of the same one
  // waits, then does nothing); the others move on only while at their version (a
  // concurrent update waits, then the condition is checked again on the new row). The
  // ids that moved come back; the rest were decided meanwhile.
  auto moved = conn.Exec(
      "WITH want AS (SELECT * FROM unnest($1::text[], $2::bigint[]) AS w(id, version)),"
      " inserted AS (INSERT INTO customer_versions (customer_id, version)"
      " SELECT id, 1 FROM want WHERE version = 0 ORDER BY id"
      " ON CONFLICT (customer_id) DO NOTHING RETURNING customer_id),"
      " updated AS (UPDATE customer_versions c SET version = c.version + 1 FROM want"
      " WHERE want.version > 0 AND c.customer_id = want.id AND c.version = want.version"
      " RETURNING c.customer_id)"
      " SELECT customer_id FROM inserted UNION ALL SELECT customer_id FROM updated",
      Params().AddArray(ids).AddArray(versions));
  if (!moved.ok()) return moved.status();
  std::unordered_set<std::string> ok;
  for (int r = 0; r < moved->rows(); ++r) ok.insert(moved->Text(r, 0));
  std::vector<std::string> stale;
  for (const std::string& id : ids) {
    if (!ok.contains(id)) stale.push_back(id);
  }
  return stale;
}

}  // namespace herald::store::postgres
