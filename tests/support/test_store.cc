#include "tests/support/test_store.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include <cstdlib>
#include <map>
#include <mutex>

#include "services/store/postgres/postgres_store.h"
#include "services/store/sqlite/sqlite_store.h"
#include "tests/support/postgres_server.h"

namespace herald::testing {
namespace {

// path -> connection string of the database made for it.
absl::StatusOr<std::string> DatabaseFor(const std::string& path) {
  static std::mutex mu;
  static std::map<std::string, std::string> databases;
  std::lock_guard lock(mu);
  auto it = databases.find(path);
  if (it != databases.end()) return it->second;
  absl::StatusOr<std::string> dsn = PostgresServer::Shared().CreateDatabase();
  if (!dsn.ok()) return dsn.status();
  databases.emplace(path, *dsn);
  return dsn;
}

}  // namespace

bool TestStore::OnPostgres() {
  const char* kind = std::getenv("HERALD_TEST_STORE");
  return kind != nullptr && std::string(kind) == "postgres";
}

absl::StatusOr<std::unique_ptr<store::Store>> TestStore::Open(const std::string& path,
                                                              bool status_outbox) {
  if (!OnPostgres()) {
    auto store = store::sqlite::SqliteStore::Open({.path = path, .status_outbox = status_outbox});
    if (!store.ok()) return store.status();
    return std::unique_ptr<store::Store>(std::move(*store));
  }
  absl::StatusOr<std::string> dsn = DatabaseFor(path);
  if (!dsn.ok()) return dsn.status();
  auto store = store::postgres::PostgresStore::Open({.dsn = *dsn, .status_outbox = status_outbox});
  if (!store.ok()) return store.status();
  return std::unique_ptr<store::Store>(std::move(*store));
}

void TestStore::Exec(const std::string& path, const std::string& sql) {
  if (!OnPostgres()) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sql << ": " << sqlite3_errmsg(db);
    sqlite3_close(db);
    return;
  }
  absl::StatusOr<std::string> dsn = DatabaseFor(path);
  ASSERT_TRUE(dsn.ok()) << dsn.status();
  PGconn* conn = PQconnectdb(dsn->c_str());
  PGresult* result = PQexec(conn, sql.c_str());
  EXPECT_EQ(PQresultStatus(result), PGRES_COMMAND_OK) << sql << ": " << PQerrorMessage(conn);
  PQclear(result);
  PQfinish(conn);
}

}  // namespace herald::testing
