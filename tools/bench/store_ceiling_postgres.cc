// The PostgreSQL store's own ceiling: bare rows of a notification's size into a fresh
// database of the same server, in transactions of the same size, one statement each.
#include <chrono>
#include <string>
#include <vector>

#include "services/core/strings.h"
#include "services/store/postgres/pg_conn.h"
#include "tools/bench/common.h"
#include "tools/bench/store_ceiling.h"

namespace herald::bench {
namespace {

using store::postgres::Conn;
using store::postgres::Params;

std::unique_ptr<Conn> ConnectOrFail(const std::string& dsn) {
  auto conn = Conn::Open({.dsn = dsn, .application_name = "herald-bench"});
  if (!conn.ok()) Fail(conn.status().ToString());
  return *std::move(conn);
}

int64_t IntOrFail(Conn& conn, const std::string& sql) {
  auto r = conn.Exec(sql);
  if (!r.ok()) Fail(r.status().ToString());
  return r->Int(0, 0);
}

}  // namespace

StoreCeiling MeasurePostgresCeiling(const std::string& pipeline_dsn, const std::string& bare_dsn,
                                    int64_t rows, int batch) {
  StoreCeiling out;
  out.rows = rows;
  {
    // What one notification takes: its tables with their indexes and TOAST, over them.
    std::unique_ptr<Conn> conn = ConnectOrFail(pipeline_dsn);
    const int64_t bytes = IntOrFail(
        *conn,
        "SELECT (pg_total_relation_size('notifications') + pg_total_relation_size('events') +"
        " pg_total_relation_size('changes') + "
        "pg_total_relation_size('customer_versions'))::bigint");
    const int64_t notifications = IntOrFail(*conn, "SELECT COUNT(*) FROM notifications");
    if (notifications == 0) Fail("the pipeline's database holds no notifications");
    out.row_bytes = static_cast<double>(bytes) / static_cast<double>(notifications);
  }
  std::unique_ptr<Conn> conn = ConnectOrFail(bare_dsn);
  if (absl::Status s = conn->Run("CREATE TABLE bare_rows ("
                                 " seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
                                 " id text NOT NULL UNIQUE, body bytea NOT NULL)");
      !s.ok()) {
    Fail(s.ToString());
  }
  // Ids as long as a notification's (64 hex digits), in the row and in its index.
  constexpr size_t kIdBytes = 64;
  const size_t body_bytes =
      static_cast<size_t>(std::max(0.0, out.row_bytes - 2.0 * static_cast<double>(kIdBytes)));
  std::string body_hex = "\\x";
  for (size_t i = 0; i < body_bytes; ++i) {
    static constexpr char kHex[] = "0123456789abcdef";
    const unsigned char c = static_cast<unsigned char>((i * 131 + 7) & 0xff);
    body_hex.push_back(kHex[c >> 4]);
    body_hex.push_back(kHex[c & 15]);
  }
  char id[kIdBytes + 1];
  const auto start = Clock::now();
  for (int64_t first = 0; first < rows; first += batch) {
    std::vector<std::string> ids;
    std::vector<std::string> bodies;
    for (int64_t n = first; n < std::min(rows, first + batch); ++n) {
      std::snprintf(id, sizeof id, "%064llx",
                    static_cast<unsigned long long>(n * 0x9e3779b97f4a7c15ULL));
      ids.emplace_back(id);
      bodies.push_back(body_hex);
    }
    // As the store writes a batch: one statement of arrays, one commit.
    if (absl::Status s = conn->Run("BEGIN"); !s.ok()) Fail(s.ToString());
    auto inserted =
        conn->Exec("INSERT INTO bare_rows (id, body) SELECT * FROM unnest($1::text[], $2::bytea[])",
                   Params().AddArray(ids).AddArray(bodies));
    if (!inserted.ok()) Fail(inserted.status().ToString());
    if (absl::Status s = conn->Run("COMMIT"); !s.ok()) Fail(s.ToString());
  }
  out.rows_per_second = static_cast<double>(rows) / std::max(Seconds(Clock::now() - start), 1e-9);
  return out;
}

}  // namespace herald::bench
