#include "tools/bench/store_ceiling.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "services/core/strings.h"
#include "services/store/sqlite/connections.h"
#include "services/store/sqlite/sqlite_db.h"
#include "tools/bench/common.h"

namespace herald::bench {
namespace {

using store::sqlite::Db;

std::unique_ptr<Db> OpenOrFail(const std::string& path, const Db::Options& options) {
  absl::StatusOr<std::unique_ptr<Db>> db = Db::Open(path, options);
  if (!db.ok()) Fail(path + ": " + db.status().ToString());
  return std::move(*db);
}

int64_t IntOrFail(Db& db, const std::string& sql) {
  auto query = db.Prepare(sql);
  if (!query.ok()) Fail(sql + ": " + query.status().ToString());
  absl::StatusOr<bool> row = (*query)->Step();
  if (!row.ok() || !*row) Fail(sql + ": no answer");
  return (*query)->ColumnInt(0);
}

void OkOrFail(const absl::Status& status, const std::string& what) {
  if (!status.ok()) Fail(what + ": " + status.ToString());
}

}  // namespace

StoreCeiling MeasureStoreCeiling(const std::string& pipeline_db, const std::string& dir,
                                 int64_t rows, int batch) {
  StoreCeiling out;
  out.rows = rows;
  int64_t page_size = 0;
  {
    std::unique_ptr<Db> db = OpenOrFail(pipeline_db, {});
    // Payload of the tables a notification is written to and of their indexes (dbstat).
    const int64_t bytes = IntOrFail(
        *db,
        "SELECT COALESCE(SUM(d.payload), 0) FROM dbstat d JOIN sqlite_schema s ON d.name = s.name"
        " WHERE s.tbl_name IN ('notifications', 'events', 'changes')");
    const int64_t notifications = IntOrFail(*db, "SELECT COUNT(*) FROM notifications");
    if (notifications == 0) Fail("the pipeline's database holds no notifications");
    out.row_bytes = static_cast<double>(bytes) / static_cast<double>(notifications);
    page_size = IntOrFail(*db, "PRAGMA page_size");
  }

  const std::string path = dir + "/store-ceiling.db";
  std::filesystem::remove(path);
  {
    // The page size is set before the first table makes the file.
    std::unique_ptr<Db> db = OpenOrFail(path, {});
    OkOrFail(db->Exec(core::StrCat("PRAGMA journal_mode=DELETE; PRAGMA page_size=", page_size,
                                   "; VACUUM; PRAGMA journal_mode=WAL;")),
             "page size");
  }
  std::unique_ptr<Db> db = OpenOrFail(
      path,
      store::sqlite::WriterDbOptions(std::chrono::milliseconds(5000), /*synchronous_full=*/true));
  OkOrFail(db->Exec("CREATE TABLE rows (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
                    " body BLOB NOT NULL)"),
           "the bare table");
  // Ids as long as a notification's (64 hex digits), in the row and in its index.
  constexpr size_t kIdBytes = 64;
  const size_t body_bytes =
      static_cast<size_t>(std::max(0.0, out.row_bytes - 2.0 * static_cast<double>(kIdBytes)));
  std::string body(body_bytes, '\0');
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>((i * 131 + 7) & 0xff);
  char id[kIdBytes + 1];

  const auto start = Clock::now();
  for (int64_t first = 0; first < rows; first += batch) {
    OkOrFail(db->Exec("BEGIN IMMEDIATE"), "begin");
    const int64_t last = std::min(rows, first + batch);
    for (int64_t n = first; n < last; ++n) {
      // A different id per row, in no order (as SHA-256 ids are): n times a constant
      // modulo a prime, zero-padded.
      std::snprintf(id, sizeof id, "%064lld",
                    static_cast<long long>(n * 2654435761LL % 1000000007LL));
      body[static_cast<size_t>(n) % std::max<size_t>(1, body.size())] ^= 1;
      auto insert = db->Prepare("INSERT INTO rows (seq, id, body) VALUES (?1, ?2, ?3)");
      OkOrFail(insert.status(), "prepare");
      OkOrFail((*insert)->Bind(1, n + 1).Bind(2, id).BindBlob(3, body).Run(), "insert");
    }
    OkOrFail(db->Exec("COMMIT"), "commit");
  }
  out.rows_per_second = static_cast<double>(rows) / std::max(Seconds(Clock::now() - start), 1e-9);
  db.reset();
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
  return out;
}

}  // namespace herald::bench
