#include "services/store/sqlite/connections.h"

#include <pthread.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "services/store/sqlite/change_log.h"
#include "services/store/sqlite/migrations.h"

namespace herald::store::sqlite {
namespace {

// The writer's cache holds a batch's dirty pages; a smaller one spills them to the WAL
// before the commit, and the same pages are written again at the commit.
constexpr int kWriterCacheKib = 32 * 1024;
// A checkpoint copies every page the WAL holds back into the database; the fewer of
// them, the fewer times a page written again and again (an index's) is copied. The
// Checkpointer does it beside the writer; the bare store loop of herald-bench leaves
// it to SQLite's auto-checkpoint at the same size.
constexpr int kCheckpointPages = 8192;

}  // namespace

Db::Options WriterDbOptions(std::chrono::milliseconds busy_timeout, bool synchronous_full) {
  return {.busy_timeout = busy_timeout,
          .synchronous_full = synchronous_full,
          .cache_kib = kWriterCacheKib,
          .checkpoint_pages = kCheckpointPages};
}

absl::StatusOr<std::unique_ptr<Connections>> Connections::Open(const Options& options) {
  if (options.max_batch < 1) {
    return absl::InvalidArgumentError("sqlite: max_batch must be at least 1");
  }
  auto lock = FileLock::Acquire(options.path);
  if (!lock.ok()) return lock.status();
  auto writer =
      Db::Open(options.path, WriterDbOptions(options.busy_timeout, options.synchronous_full));
  if (!writer.ok()) return writer.status();
  absl::Status migrated = ApplyMigrations(**writer, Migrations());
  if (!migrated.ok()) return migrated;
  absl::StatusOr<int64_t> last = LastChangeSequence(**writer);
  if (!last.ok()) return last.status();
  auto checkpointer = Checkpointer::Start(
      options.path,
      {.busy_timeout = options.busy_timeout, .synchronous_full = options.synchronous_full},
      kCheckpointPages);
  if (!checkpointer.ok()) return checkpointer.status();
  (*checkpointer)->Attach(**writer);
  return std::unique_ptr<Connections>(new Connections(options, *std::move(lock), std::move(*writer),
                                                      *std::move(checkpointer), *last + 1));
}

Connections::Connections(Options options, std::unique_ptr<FileLock> lock,
                         std::unique_ptr<Db> writer, std::unique_ptr<Checkpointer> checkpointer,
                         int64_t next_change)
    : options_(std::move(options)),
      lock_(std::move(lock)),
      writer_(std::move(writer)),
      checkpointer_(std::move(checkpointer)),
      next_change_(next_change),
      next_prune_(std::chrono::steady_clock::now()) {
  writer_thread_ = std::thread([this] { WriterLoop(); });
  pthread_setname_np(writer_thread_.native_handle(), "sqlite-writer");  // in ps, perf and gdb
}

Connections::~Connections() {
  {
    std::lock_guard lock(write_mu_);
    stopping_ = true;
  }
  write_cv_.notify_all();
  writer_thread_.join();
}

std::future<absl::Status> Connections::Submit(WriteFn fn, Priority priority) {
  auto promise = std::make_shared<std::promise<absl::Status>>();
  std::future<absl::Status> done = promise->get_future();
  Enqueue(
      std::move(fn), [promise](absl::Status status) { promise->set_value(std::move(status)); },
      priority);
  return done;
}

void Connections::Enqueue(WriteFn fn, std::function<void(absl::Status)> done, Priority priority) {
  {
    std::lock_guard lock(write_mu_);
    if (!stopping_) {
      std::deque<WriteJob>& queue = priority == Priority::kUrgent ? urgent_ : bulk_;
      queue.push_back(WriteJob{std::move(fn), std::move(done)});
      write_cv_.notify_one();
      return;
    }
  }
  done(absl::UnavailableError("sqlite: store is closing"));
}

void Connections::WriterLoop() {
  std::vector<WriteJob> batch;
  while (true) {
    {
      std::unique_lock lock(write_mu_);
      write_cv_.wait(lock, [this] { return stopping_ || !urgent_.empty() || !bulk_.empty(); });
      if (urgent_.empty() && bulk_.empty()) return;  // stopping, and everything is written
      auto take = [&](std::deque<WriteJob>& queue) {
        while (!queue.empty() && static_cast<int>(batch.size()) < options_.max_batch) {
          batch.push_back(std::move(queue.front()));
          queue.pop_front();
        }
      };
      take(urgent_);
      // Urgent writes that waited behind bulk ones go alone: a small, quick commit.
      const size_t urgent = batch.size();
      if (urgent == 0 || !last_had_bulk_) take(bulk_);
      last_had_bulk_ = batch.size() > urgent;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= next_prune_) {
      next_prune_ = now + options_.prune_interval;
      // Rides along with the batch: no commit of its own.
      batch.push_back(
          WriteJob{[this](WriteTx& tx) { return PruneChanges(tx.db()); }, [](absl::Status) {}});
    }
    CommitBatch(batch);
    batch.clear();
  }
}

void Connections::CommitBatch(std::vector<WriteJob>& batch) {
  // The whole batch in one transaction, without a savepoint per write: SQLite copies
  // every page a savepoint touches to a statement journal first, which cost more than
  // the writes themselves. Should a write fail, the transaction is rolled back and the
  // batch runs again without it, so only the failed write is lost.
  std::vector<std::optional<absl::Status>> failed(batch.size());
  int64_t changes = 0;
  while (true) {
    absl::Status status = writer_->Exec("BEGIN IMMEDIATE");
    bool clean = status.ok();
    WriteTx tx(*writer_);
    for (size_t i = 0; clean && i < batch.size(); ++i) {
      if (failed[i]) continue;
      const size_t changes_before = tx.changes().size();
      absl::Status result = batch[i].fn(tx);
      if (result.ok() && !writer_->InTransaction()) {
        result = absl::InternalError("sqlite: the transaction ended during a write");
      }
      if (!result.ok()) {
        tx.changes().resize(changes_before);
        failed[i] = std::move(result);
        clean = false;
      }
    }
    if (clean && !tx.changes().empty()) {
      status = AppendChangeBatch(*writer_, next_change_, tx.changes());
      clean = status.ok();
    }
    if (clean) status = writer_->Exec("COMMIT");
    if (clean && status.ok()) {
      changes = static_cast<int64_t>(tx.changes().size());
      break;
    }
    if (writer_->InTransaction()) writer_->Exec("ROLLBACK").IgnoreError();
    if (!status.ok()) {
      // BEGIN, the change batch or COMMIT failed (I/O error, disk full): none of the
      // rest is written.
      for (std::optional<absl::Status>& f : failed) {
        if (!f) f = status;
      }
      break;
    }
  }
  next_change_ += changes;
  for (size_t i = 0; i < batch.size(); ++i) {
    batch[i].done(failed[i] ? *std::move(failed[i]) : absl::OkStatus());
  }
}

absl::Status Connections::PruneChanges(Db& db) {
  std::optional<int64_t> published;
  if (options_.status_outbox) {
    absl::StatusOr<int64_t> cursor = StatusCursor(db);
    if (!cursor.ok()) return cursor.status();
    published = *cursor;
  }
  return DeleteOldChanges(db, published,
                          std::chrono::system_clock::now() - options_.change_retention);
}

absl::Status Connections::Read(const ReadFn& fn) {
  std::unique_ptr<Db> db;
  {
    std::lock_guard lock(readers_mu_);
    if (!idle_readers_.empty()) {
      db = std::move(idle_readers_.back());
      idle_readers_.pop_back();
    }
  }
  if (db == nullptr) {
    auto opened = Db::Open(options_.path, {.busy_timeout = options_.busy_timeout,
                                           .synchronous_full = options_.synchronous_full});
    if (!opened.ok()) return opened.status();
    db = std::move(*opened);
  }
  absl::Status status = db->Exec("BEGIN");
  if (status.ok()) {
    status = fn(*db);
    absl::Status ended = db->Exec(status.ok() ? "COMMIT" : "ROLLBACK");
    if (status.ok()) status = ended;
  }
  std::lock_guard lock(readers_mu_);
  idle_readers_.push_back(std::move(db));
  return status;
}

}  // namespace herald::store::sqlite
