#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace herald::store::sqlite {

/// A prepared statement borrowed from a Db's cache; reset and unbound on destruction.
class Statement {
 public:
  /// `in_use`: the cache's mark, cleared on destruction; null for a statement of its
  /// own, finalized on destruction.
  Statement(sqlite3_stmt* stmt, sqlite3* db, bool* in_use)
      : stmt_(stmt), db_(db), in_use_(in_use) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based, as in SQLite.
  Statement& Bind(int index, std::string_view value);
  Statement& BindBlob(int index, std::string_view bytes);
  /// A text or blob column without copying it; valid until the next Step or reset.
  std::string_view ColumnView(int index) const;
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, std::nullopt_t);
  Statement& Bind(int index, const std::optional<int64_t>& value);

  /// True when a row is available, false when done.
  absl::StatusOr<bool> Step();
  /// Runs a statement that returns no rows.
  absl::Status Run();
  /// Runs an INSERT, UPDATE or DELETE that returns no rows; true when it changed one.
  /// (Cheaper than RETURNING inside a transaction: SQLite keeps a statement journal
  /// for every RETURNING statement.)
  absl::StatusOr<bool> RunChanged();
  /// Steps through every row, calling on_row(*this) for each; stops at its first error.
  template <typename F>
  absl::Status ForEachRow(F&& on_row) {
    while (true) {
      absl::StatusOr<bool> row = Step();
      if (!row.ok()) return row.status();
      if (!*row) return absl::OkStatus();
      absl::Status status = on_row(*this);
      if (!status.ok()) return status;
    }
  }

  std::string ColumnText(int index) const;
  int64_t ColumnInt(int index) const;
  bool ColumnIsNull(int index) const;

 private:
  sqlite3_stmt* stmt_;
  sqlite3* db_;
  bool* in_use_;
};

/// One SQLite connection with a cache of prepared statements. Not thread-safe: each
/// thread uses its own.
class Db {
 public:
  struct Options {
    std::chrono::milliseconds busy_timeout{5000};
    bool synchronous_full = true;
    /// Page cache size; 0: SQLite's default (2 MiB).
    int cache_kib = 0;
    /// WAL pages after which a commit checkpoints; 0: SQLite's default (1000).
    int checkpoint_pages = 0;
  };

  static absl::StatusOr<std::unique_ptr<Db>> Open(const std::string& path, const Options& options);
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  /// Runs one or more statements without results.
  absl::Status Exec(std::string_view sql);
  /// A cached prepared statement for sql; while one is borrowed, the same sql gets a
  /// statement of its own (a write that calls another that runs the same statement).
  absl::StatusOr<std::unique_ptr<Statement>> Prepare(std::string_view sql);

  const std::string& path() const { return path_; }
  /// The connection itself, for what this class does not wrap (hooks, checkpoints).
  sqlite3* handle() const { return db_; }
  /// The rowid of the latest successful INSERT on this connection.
  int64_t LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }
  /// False when SQLite ended the transaction itself (e.g. disk full rolls it back).
  bool InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

 private:
  Db(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  sqlite3* db_;
  std::string path_;
  struct Cached {
    sqlite3_stmt* stmt;
    bool in_use;
  };
  std::unordered_map<std::string, Cached> statements_;
};

/// Runs a one-column text query with parameters ?1 = after and ?2 = limit; used for
/// keyset pagination.
absl::StatusOr<std::vector<std::string>> KeysAfter(Db& db, std::string_view sql,
                                                   std::string_view after, int limit);

/// Turns a SQLite result code into a status naming what was being done.
absl::Status SqliteError(sqlite3* db, int rc, std::string_view what);

}  // namespace herald::store::sqlite
