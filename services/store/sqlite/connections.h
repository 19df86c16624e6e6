#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/store/sqlite/checkpointer.h"
#include "services/store/sqlite/file_lock.h"
#include "services/store/sqlite/sqlite_db.h"
#include "services/store/sqlite/write_tx.h"

namespace herald::store::sqlite {

/// How the writer opens the database (herald-bench's bare store loop opens its own so).
Db::Options WriterDbOptions(std::chrono::milliseconds busy_timeout, bool synchronous_full);

/// The database file's connections: one writer thread that commits every write queued
/// meanwhile in one transaction (one fsync for all of them), storing the state changes
/// those writes made as one batch of the change log; and a pool of readers that run
/// beside it, each read one snapshot.
class Connections {
 public:
  struct Options {
    std::string path;
    std::chrono::milliseconds busy_timeout{5000};
    bool synchronous_full = true;
    /// Writes committed together at most.
    int max_batch = 256;
    /// How long state changes stay in the change log for watchers after the status
    /// topic has them (or at all, without a status outbox).
    std::chrono::milliseconds change_retention{std::chrono::minutes(10)};
    /// How often the writer forgets what the change log no longer needs.
    std::chrono::milliseconds prune_interval{std::chrono::seconds(5)};
    /// Keep changes until the status topic has them (AckStatusOutbox).
    bool status_outbox = false;
  };

  using WriteFn = std::function<absl::Status(WriteTx&)>;
  using ReadFn = std::function<absl::Status(Db&)>;

  /// Whose write it is. An urgent one (a hand-off's claim or result, a receipt) never
  /// waits behind more than one transaction of bulk writes (intake, decisions).
  enum class Priority { kBulk, kUrgent };

  /// Opens (creating if needed) the database and applies pending schema migrations.
  static absl::StatusOr<std::unique_ptr<Connections>> Open(const Options& options);
  Connections(const Connections&) = delete;
  Connections& operator=(const Connections&) = delete;
  /// Finishes every queued write, then closes.
  ~Connections();

  /// Runs fn on the writer connection inside a batch transaction; returns once the
  /// batch is committed (or failed). fn may run more than once: when another write of
  /// its batch fails, the batch is rolled back and runs again without that one, so fn
  /// must not accumulate into what it captures.
  absl::Status Write(WriteFn fn, Priority priority = Priority::kBulk) {
    return Submit(std::move(fn), priority).get();
  }
  /// Write without waiting: the future is ready once the batch is committed (or failed).
  std::future<absl::Status> Submit(WriteFn fn, Priority priority = Priority::kBulk);
  /// Write without waiting: `done` is called on the writer thread once the batch is
  /// committed (or failed).
  void Enqueue(WriteFn fn, std::function<void(absl::Status)> done,
               Priority priority = Priority::kBulk);
  /// Runs fn on a reader connection inside a read transaction (one snapshot).
  absl::Status Read(const ReadFn& fn);

  /// The sequence of the latest change committed (0: none yet).
  int64_t latest_change() const { return next_change_ - 1; }
  const Options& options() const { return options_; }

 private:
  struct WriteJob {
    WriteFn fn;
    std::function<void(absl::Status)> done;
  };

  Connections(Options options, std::unique_ptr<FileLock> lock, std::unique_ptr<Db> writer,
              std::unique_ptr<Checkpointer> checkpointer, int64_t next_change);
  void WriterLoop();
  void CommitBatch(std::vector<WriteJob>& batch);
  /// Forgets change batches nobody needs any more (see Options::change_retention).
  absl::Status PruneChanges(Db& db);

  const Options options_;
  /// Held while open: no other store writes this file (it outlives every connection).
  std::unique_ptr<FileLock> lock_;
  std::unique_ptr<Db> writer_;
  /// Destroyed before writer_, which it watches.
  std::unique_ptr<Checkpointer> checkpointer_;
  /// The number the next change gets; only the writer thread changes it.
  std::atomic<int64_t> next_change_;
  std::chrono::steady_clock::time_point next_prune_;

  std::mutex write_mu_;
  std::condition_variable write_cv_;
  std::deque<WriteJob> urgent_;
  std::deque<WriteJob> bulk_;
  /// The last transaction held bulk writes: urgent ones waiting go alone next.
  bool last_had_bulk_ = false;
  bool stopping_ = false;
  std::thread writer_thread_;

  std::mutex readers_mu_;
  std::vector<std::unique_ptr<Db>> idle_readers_;
};

}  // namespace herald::store::sqlite
