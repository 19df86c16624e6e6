#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/store/postgres/pg_conn.h"

namespace herald::store::postgres {

/// A fixed number of connections lent to one thread at a time. A connection that broke
/// (the server restarted) is dropped when it comes back and a new one is opened on the
/// next loan, so the pool recovers by itself once the server is back.
class Pool {
 public:
  struct Options {
    Conn::Options conn;
    int size = 8;
    /// How long a loan waits for a free connection before DEADLINE_EXCEEDED.
    std::chrono::milliseconds acquire_timeout{std::chrono::seconds(30)};
  };

  /// A connection on loan; returned to the pool on destruction.
  class Lease {
   public:
    Lease(Pool* pool, std::unique_ptr<Conn> conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = default;
    ~Lease();
    Conn& operator*() const { return *conn_; }
    Conn* operator->() const { return conn_.get(); }

   private:
    Pool* pool_;
    std::unique_ptr<Conn> conn_;
  };

  /// Connects once to check the server is there and the options are right.
  static absl::StatusOr<std::unique_ptr<Pool>> Open(const Options& options);
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  absl::StatusOr<Lease> Acquire();

  enum class Mode {
    kWrite,     // READ COMMITTED: guarded updates and row locks decide
    kSnapshot,  // REPEATABLE READ, READ ONLY: every statement sees one snapshot
  };
  /// Runs fn in one transaction on a loaned connection and commits; rolls back when fn
  /// fails. A serialization failure or deadlock (RetryTransaction) runs fn again, a few
  /// times: fn must not accumulate into what it captures.
  absl::Status Tx(Mode mode, const std::function<absl::Status(Conn&)>& fn);

  const Options& options() const { return options_; }

 private:
  explicit Pool(Options options) : options_(std::move(options)) {}
  void Return(std::unique_ptr<Conn> conn);

  const Options options_;
  std::mutex mu_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Conn>> idle_;
  int lent_or_idle_ = 0;  // connections that exist
};

}  // namespace herald::store::postgres
