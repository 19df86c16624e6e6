#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace herald::store::sqlite {

/// An exclusive lock on the database for this process's lifetime of the store: the
/// SQLite store is one instance's (its writer numbers the change log in memory), so a
/// second heraldd, or a second store in one process, on the same file is refused
/// rather than let to corrupt that numbering. Released on destruction, or by the
/// kernel when the process dies.
class FileLock {
 public:
  /// FAILED_PRECONDITION naming the file when another holds it.
  static absl::StatusOr<std::unique_ptr<FileLock>> Acquire(const std::string& database_path);
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace herald::store::sqlite
