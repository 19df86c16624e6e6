#include "services/store/postgres/pool.h"

#include "services/core/strings.h"

namespace herald::store::postgres {
namespace {

constexpr int kTxAttempts = 5;

}  // namespace

Pool::Lease::~Lease() {
  if (pool_ != nullptr && conn_ != nullptr) pool_->Return(std::move(conn_));
}

absl::StatusOr<std::unique_ptr<Pool>> Pool::Open(const Options& options) {
  if (options.size < 1) return absl::InvalidArgumentError("postgres: pool size must be >= 1");
  auto first = Conn::Open(options.conn);
  if (!first.ok()) return first.status();
  std::unique_ptr<Pool> pool(new Pool(options));
  pool->idle_.push_back(std::move(*first));
  pool->lent_or_idle_ = 1;
  return pool;
}

absl::StatusOr<Pool::Lease> Pool::Acquire() {
  std::unique_lock lock(mu_);
  const auto deadline = std::chrono::steady_clock::now() + options_.acquire_timeout;
  while (idle_.empty() && lent_or_idle_ >= options_.size) {
    if (returned_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        lent_or_idle_ >= options_.size) {
      return absl::DeadlineExceededError(
          core::StrCat("postgres: all ", options_.size, " connections of the pool busy for ",
                       options_.acquire_timeout.count(), " ms (store.postgres.pool_size)"));
    }
  }
  if (!idle_.empty()) {
    std::unique_ptr<Conn> conn = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(conn));
  }
  ++lent_or_idle_;
  lock.unlock();
  auto conn = Conn::Open(options_.conn);
  if (!conn.ok()) {
    std::lock_guard relock(mu_);
    --lent_or_idle_;
    returned_.notify_one();
    return conn.status();
  }
  return Lease(this, std::move(*conn));
}

void Pool::Return(std::unique_ptr<Conn> conn) {
  // A connection that broke, or that a failure left inside a transaction, is not lent
  // again.
  const bool reusable = conn->healthy() && !conn->InTransaction();
  if (!reusable) conn.reset();
  std::lock_guard lock(mu_);
  if (reusable) {
    idle_.push_back(std::move(conn));
  } else {
    --lent_or_idle_;
  }
  returned_.notify_one();
}

absl::Status Pool::Tx(Mode mode, const std::function<absl::Status(Conn&)>& fn) {
  const char* begin =
      mode == Mode::kSnapshot ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN";
  absl::Status status;
  for (int attempt = 0; attempt < kTxAttempts; ++attempt) {
    auto conn = Acquire();
    if (!conn.ok()) return conn.status();
    status = (*conn)->Run(begin);
    if (status.ok()) status = fn(**conn);
    if (status.ok()) {
      status = (*conn)->Run("COMMIT");
    } else if ((*conn)->healthy()) {
      (*conn)->Run("ROLLBACK").IgnoreError();
    }
    if (!ShouldRetryTransaction(status)) return status;
  }
  return status;
}

}  // namespace herald::store::postgres
