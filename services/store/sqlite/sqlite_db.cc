#include "services/store/sqlite/sqlite_db.h"

#include <sys/statvfs.h>

#include <filesystem>

#include "services/core/ownership.h"
#include "services/core/strings.h"

namespace herald::store::sqlite {

absl::Status SqliteError(sqlite3* db, int rc, std::string_view what) {
  std::string message = core::StrCat("sqlite: ", what, ": ", sqlite3_errstr(rc));
  if (db != nullptr && sqlite3_errcode(db) == rc) {
    core::StrAppend(message, " (", sqlite3_errmsg(db), ")");
  }
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(message);
    case SQLITE_CONSTRAINT:
      return absl::AlreadyExistsError(message);
    case SQLITE_FULL:
      return absl::ResourceExhaustedError(message);
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
      return absl::FailedPreconditionError(message);
    default:
      return absl::InternalError(message);
  }
}

Statement::~Statement() {
  if (in_use_ == nullptr) {
    sqlite3_finalize(stmt_);
    return;
  }
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  *in_use_ = false;
}

Statement& Statement::Bind(int index, std::string_view value) {
  // An empty view may have no data pointer, which SQLite would take for NULL.
  sqlite3_bind_text(stmt_, index, value.empty() ? "" : value.data(), static_cast<int>(value.size()),
                    SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::BindBlob(int index, std::string_view bytes) {
  sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::Bind(int index, std::nullopt_t) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Statement& Statement::Bind(int index, const std::optional<int64_t>& value) {
  return value ? Bind(index, *value) : Bind(index, std::nullopt);
}

absl::StatusOr<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(db_, rc, sqlite3_sql(stmt_));
}

absl::Status Statement::Run() {
  absl::StatusOr<bool> row = Step();
  if (!row.ok()) return row.status();
  return absl::OkStatus();
}

absl::StatusOr<bool> Statement::RunChanged() {
  absl::StatusOr<bool> row = Step();
  if (!row.ok()) return row.status();
  return sqlite3_changes64(db_) > 0;
}

std::string Statement::ColumnText(int index) const {
  const auto* text = sqlite3_column_text(stmt_, index);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, index)));
}

std::string_view Statement::ColumnView(int index) const {
  const void* data = sqlite3_column_blob(stmt_, index);
  if (data == nullptr) return {};
  return std::string_view(static_cast<const char*>(data),
                          static_cast<size_t>(sqlite3_column_bytes(stmt_, index)));
}

int64_t Statement::ColumnInt(int index) const { return sqlite3_column_int64(stmt_, index); }

bool Statement::ColumnIsNull(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

namespace {

// herald_key_hash(text): Kafka's partitioner's hash of a key (core::KeyHash), for the
// queries that keep to the customers an instance owns.
void KeyHashFunction(sqlite3_context* context, int /*argc*/, sqlite3_value** argv) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
  const int length = sqlite3_value_bytes(argv[0]);
  sqlite3_result_int64(context, core::KeyHash(std::string_view(text == nullptr ? "" : text,
                                                               static_cast<size_t>(length))));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Db>> Db::Open(const std::string& path, const Options& options) {
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status status = SqliteError(raw, rc, core::StrCat("open ", path));
    sqlite3_close(raw);
    return status;
  }
  // SQLite falls back to read-only when it may not write; Herald must write its state.
  if (sqlite3_db_readonly(raw, "main") == 1) {
    sqlite3_close(raw);
    struct statvfs fs = {};
    const std::string dir = std::filesystem::path(path).parent_path().string();
    const bool read_only_fs =
        statvfs(dir.empty() ? "." : dir.c_str(), &fs) == 0 && (fs.f_flag & ST_RDONLY) != 0;
    return absl::FailedPreconditionError(
        core::StrCat("sqlite: ", path, " cannot be written (",
                     read_only_fs ? "read-only file system" : "no write permission",
                     "): heraldd keeps its state there and must write it"));
  }
  std::unique_ptr<Db> db(new Db(raw, path));
  sqlite3_extended_result_codes(raw, 1);
  rc = sqlite3_create_function(raw, "herald_key_hash", 1,
                               SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, nullptr,
                               &KeyHashFunction, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteError(raw, rc, "define herald_key_hash");
  sqlite3_busy_timeout(raw, static_cast<int>(options.busy_timeout.count()));
  absl::Status status =
      db->Exec(core::StrCat("PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=",
                            options.synchronous_full ? "FULL" : "NORMAL", ";"));
  if (!status.ok()) return status;
  if (options.checkpoint_pages > 0) {
    status = db->Exec(core::StrCat("PRAGMA wal_autocheckpoint=", options.checkpoint_pages, ";"));
    if (!status.ok()) return status;
  }
  if (options.cache_kib > 0) {
    status = db->Exec(core::StrCat("PRAGMA cache_size=-", options.cache_kib, ";"));
    if (!status.ok()) return status;
  }
  // journal_mode=WAL silently stays on the old mode when it cannot switch.
  auto mode = db->Prepare("PRAGMA journal_mode");
  if (!mode.ok()) return mode.status();
  absl::StatusOr<bool> row = (*mode)->Step();
  if (!row.ok()) return row.status();
  if (*row && (*mode)->ColumnText(0) != "wal" && path != ":memory:") {
    return absl::FailedPreconditionError(
        core::StrCat("sqlite: ", path, " could not be switched to WAL mode (journal_mode is ",
                     (*mode)->ColumnText(0), ")"));
  }
  return db;
}

Db::~Db() {
  for (auto& [sql, cached] : statements_) sqlite3_finalize(cached.stmt);
  sqlite3_close(db_);
}

absl::Status Db::Exec(std::string_view sql) {
  std::string text(sql);
  char* error = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
  sqlite3_free(error);  // sqlite3_errmsg() still holds the message
  if (rc != SQLITE_OK) return SqliteError(db_, rc, text.substr(0, 80));
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Statement>> Db::Prepare(std::string_view sql) {
  auto it = statements_.find(std::string(sql));
  if (it != statements_.end() && !it->second.in_use) {
    it->second.in_use = true;
    return std::make_unique<Statement>(it->second.stmt, db_, &it->second.in_use);
  }
  sqlite3_stmt* stmt = nullptr;
  const bool cache = it == statements_.end();
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              cache ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, core::StrCat("prepare ", sql));
  if (!cache) return std::make_unique<Statement>(stmt, db_, nullptr);  // the cached one is busy
  it = statements_.emplace(std::string(sql), Cached{stmt, true}).first;
  return std::make_unique<Statement>(stmt, db_, &it->second.in_use);
}

absl::StatusOr<std::vector<std::string>> KeysAfter(Db& db, std::string_view sql,
                                                   std::string_view after, int limit) {
  auto query = db.Prepare(sql);
  if (!query.ok()) return query.status();
  std::vector<std::string> keys;
  absl::Status status =
      (*query)->Bind(1, after).Bind(2, int64_t{limit}).ForEachRow([&](Statement& r) {
        keys.push_back(r.ColumnText(0));
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return keys;
}

}  // namespace herald::store::sqlite
