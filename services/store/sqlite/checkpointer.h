#pragma once

#include <sqlite3.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "services/store/sqlite/sqlite_db.h"

namespace herald::store::sqlite {

/// Copies the writer's WAL back into the database beside it, so that commits do not wait
/// for that copy (SQLite's own auto-checkpoint runs it inside the commit that crosses
/// the threshold, and every write queued meanwhile waits tens of milliseconds).
///
/// Once a commit leaves `pages` or more in the WAL, a thread with its own connection
/// copies what the WAL holds then. SQLite starts the WAL over only once all of it is
/// copied, so the writer's next commit past the threshold copies what was written in
/// the meantime itself: a short pause. Should the thread fall four times `pages`
/// behind, the writer copies everything itself, as auto-checkpoint would.
class Checkpointer {
 public:
  /// Opens the thread's connection to `path` and starts it.
  static absl::StatusOr<std::unique_ptr<Checkpointer>> Start(const std::string& path,
                                                             const Db::Options& options, int pages);
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;
  /// Detaches from the writer and stops the thread (after its current checkpoint).
  ~Checkpointer();

  /// Watches the writer connection's commits; call before it commits anything, from
  /// the thread that then uses it.
  void Attach(Db& writer);

 private:
  Checkpointer(std::unique_ptr<Db> db, int pages) : db_(std::move(db)), pages_(pages) {}
  static int OnCommit(void* self, sqlite3* writer, const char* schema, int pages);
  void Loop();

  std::unique_ptr<Db> db_;
  const int pages_;
  sqlite3* writer_ = nullptr;

  std::mutex mu_;
  std::condition_variable cv_;
  bool wanted_ = false;   // the writer asked for a checkpoint
  bool running_ = false;  // the thread is copying
  bool copied_ = false;   // it copied; what the writer adds since is the writer's to copy
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace herald::store::sqlite
