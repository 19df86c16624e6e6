#include "services/store/sqlite/checkpointer.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include "services/core/worker.h"

namespace herald::store::sqlite {

absl::StatusOr<std::unique_ptr<Checkpointer>> Checkpointer::Start(const std::string& path,
                                                                  const Db::Options& options,
                                                                  int pages) {
  absl::StatusOr<std::unique_ptr<Db>> db = Db::Open(path, options);
  if (!db.ok()) return db.status();
  std::unique_ptr<Checkpointer> c(new Checkpointer(*std::move(db), pages));
  c->thread_ = std::thread([raw = c.get()] { raw->Loop(); });
  pthread_setname_np(c->thread_.native_handle(), "sqlite-checkpoint");  // in ps, perf and gdb
  return c;
}

Checkpointer::~Checkpointer() {
  if (writer_ != nullptr) sqlite3_wal_hook(writer_, nullptr, nullptr);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Checkpointer::Attach(Db& writer) {
  writer_ = writer.handle();
  sqlite3_wal_hook(writer_, &Checkpointer::OnCommit, this);  // replaces auto-checkpoint
}

int Checkpointer::OnCommit(void* self, sqlite3* writer, const char* schema, int pages) {
  auto* c = static_cast<Checkpointer*>(self);
  if (pages < c->pages_) return SQLITE_OK;
  bool copy_here = false;
  {
    std::lock_guard lock(c->mu_);
    if (c->copied_ || pages >= 4 * c->pages_) {
      c->copied_ = false;
      copy_here = true;
    } else if (!c->running_ && !c->wanted_) {
      c->wanted_ = true;
      c->cv_.notify_one();
    }
  }
  if (copy_here) {
    // PASSIVE: it takes what it can without waiting. SQLITE_BUSY means the thread is
    // copying right now; the next commit tries again.
    const int rc =
        sqlite3_wal_checkpoint_v2(writer, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
      spdlog::warn("msg=\"wal checkpoint failed\" error=\"{}\"", sqlite3_errmsg(writer));
    }
  }
  return SQLITE_OK;  // the commit itself is done either way
}

void Checkpointer::Loop() {
  core::GiveWayToOtherThreads();  // nothing waits for it but the WAL's size
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stopping_ || wanted_; });
    if (stopping_) return;
    wanted_ = false;
    running_ = true;
    lock.unlock();
    const int rc = sqlite3_wal_checkpoint_v2(db_->handle(), "main", SQLITE_CHECKPOINT_PASSIVE,
                                             nullptr, nullptr);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
      spdlog::warn("msg=\"wal checkpoint failed\" error=\"{}\"", sqlite3_errmsg(db_->handle()));
    }
    lock.lock();
    running_ = false;
    copied_ = rc == SQLITE_OK;
  }
}

}  // namespace herald::store::sqlite
