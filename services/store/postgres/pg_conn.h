#pragma once

#include <libpq-fe.h>

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

namespace herald::store::postgres {

/// One statement's parameters, $1 onwards: values as text, bytes as binary.
class Params {
 public:
  Params& Add(std::string_view text);
  Params& Add(const char* text) { return Add(std::string_view(text)); }
  Params& Add(const std::string& text) { return Add(std::string_view(text)); }
  Params& Add(int64_t value);
  Params& Add(int value) { return Add(int64_t{value}); }
  Params& Add(bool value) { return Add(std::string_view(value ? "t" : "f")); }
  Params& Add(std::nullopt_t);
  Params& Add(const std::optional<int64_t>& value);
  Params& Add(const std::optional<std::string>& value);
  Params& AddBytes(std::string_view bytes);
  /// A text[] or bigint[] literal, for `= ANY($n)` and `unnest($n)`.
  Params& AddArray(const std::vector<std::string>& values);
  Params& AddArray(const std::vector<int64_t>& values);
  Params& AddArray(const std::vector<std::optional<std::string>>& values);
  Params& AddArray(const std::vector<std::optional<int64_t>>& values);

  int size() const { return static_cast<int>(values_.size()); }
  /// Pointers into this object, valid while it lives unchanged.
  const char* const* values() const;
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  std::vector<std::optional<std::string>> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
  mutable std::vector<const char*> pointers_;
};

/// The rows a statement returned, in text format.
class Result {
 public:
  explicit Result(PGresult* result) : result_(result, &PQclear) {}

  int rows() const { return PQntuples(result_.get()); }
  /// Rows an INSERT, UPDATE or DELETE changed.
  int64_t affected() const;
  bool IsNull(int row, int col) const { return PQgetisnull(result_.get(), row, col) != 0; }
  std::string_view View(int row, int col) const {
    return {PQgetvalue(result_.get(), row, col),
            static_cast<size_t>(PQgetlength(result_.get(), row, col))};
  }
  std::string Text(int row, int col) const { return std::string(View(row, col)); }
  int64_t Int(int row, int col) const;
  std::optional<int64_t> OptionalInt(int row, int col) const;
  std::optional<std::string> OptionalText(int row, int col) const;
  bool Bool(int row, int col) const { return View(row, col) == "t"; }
  /// A bytea column (text format: \x and hex digits).
  std::string Bytes(int row, int col) const;
  const PGresult* get() const { return result_.get(); }

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> result_;
};

/// Turns a failed result into a status: UNAVAILABLE when the server or connection is
/// gone (try again later), ABORTED for a serialization failure or deadlock (run the
/// transaction again), ALREADY_EXISTS for a unique violation, DEADLINE_EXCEEDED for the
/// statement timeout, INTERNAL otherwise; the message names `what` and the server's.
absl::Status PgError(const PGresult* result, PGconn* conn, std::string_view what);

/// ABORTED that the pool answers by running the transaction again: the server found a
/// serialization failure or deadlock, or a row was created meanwhile that the
/// transaction must now read.
absl::Status RetryTransaction(std::string_view why);
bool ShouldRetryTransaction(const absl::Status& status);

/// One connection to the server, with its statements prepared once. Not thread-safe:
/// a Pool lends it to one thread at a time.
class Conn {
 public:
  struct Options {
    std::string dsn;
    /// 0: none.
    std::chrono::milliseconds statement_timeout{0};
    /// What the server's log and pg_stat_activity show for the connection.
    std::string application_name = "heraldd";
  };

  static absl::StatusOr<std::unique_ptr<Conn>> Open(const Options& options);
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;
  ~Conn();

  /// Runs one statement (prepared on first use) with parameters.
  absl::StatusOr<Result> Exec(std::string_view sql, const Params& params = {});
  /// Runs one or more statements without parameters or results (schema, BEGIN...).
  absl::Status Run(std::string_view sql);

  /// False once the server closed the connection or it broke: the pool drops it.
  bool healthy() const { return PQstatus(conn_) == CONNECTION_OK; }
  /// In a transaction block (or a failed one).
  bool InTransaction() const;
  PGconn* handle() const { return conn_; }

 private:
  explicit Conn(PGconn* conn) : conn_(conn) {}

  PGconn* conn_;
  std::unordered_map<std::string, std::string> prepared_;  // sql -> statement name
};

/// Quotes a string for a connection string value (key='value').
std::string QuoteDsnValue(std::string_view value);

/// INVALID_ARGUMENT with libpq's reason when `dsn` is not a connection string it reads.
absl::Status CheckDsn(std::string_view dsn);
/// What a log may say of a connection string: host, port, database and user, never a
/// password.
std::string DescribeDsn(std::string_view dsn);

}  // namespace herald::store::postgres
