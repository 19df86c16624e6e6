#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "services/store/postgres/postgres_store.h"
#include "services/store/sqlite/sqlite_store.h"
#include "tests/support/postgres_server.h"
#include "tests/support/temp_dir.h"

// The Store implementations the conformance suite runs on: each makes stores over one
// fresh database per test, opened again (a restart) as often as the test asks.
namespace herald::store::testing {

/// What a conformance test may ask of a store, whichever it is.
struct StoreOptions {
  bool status_outbox = false;
  std::chrono::milliseconds change_retention{std::chrono::minutes(10)};
};

class SqliteKind {
 public:
  std::unique_ptr<Store> Open(const StoreOptions& o) {
    auto store = sqlite::SqliteStore::Open({.path = dir_.File("herald.db"),
                                            .change_retention = o.change_retention,
                                            .prune_interval = std::chrono::milliseconds(0),
                                            .status_outbox = o.status_outbox});
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

 private:
  herald::testing::TempDir dir_;
};

class PostgresKind {
 public:
  PostgresKind() {
    auto dsn = herald::testing::PostgresServer::Shared().CreateDatabase();
    EXPECT_TRUE(dsn.ok()) << dsn.status();
    if (dsn.ok()) dsn_ = *dsn;
  }

  std::unique_ptr<Store> Open(const StoreOptions& o) {
    auto store = postgres::PostgresStore::Open({.dsn = dsn_,
                                                .change_retention = o.change_retention,
                                                .prune_interval = std::chrono::milliseconds(0),
                                                .status_outbox = o.status_outbox});
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }
  const std::string& dsn() const { return dsn_; }

 private:
  std::string dsn_;
};

using StoreKinds = ::testing::Types<SqliteKind, PostgresKind>;

/// Names the typed tests by store: StoreConformance/Sqlite.X, .../Postgres.X.
struct StoreKindNames {
  template <typename T>
  static std::string GetName(int) {
    return std::is_same_v<T, SqliteKind> ? "Sqlite" : "Postgres";
  }
};

}  // namespace herald::store::testing
