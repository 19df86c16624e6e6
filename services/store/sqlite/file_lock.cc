#include "services/store/sqlite/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "services/core/strings.h"

namespace herald::store::sqlite {

absl::StatusOr<std::unique_ptr<FileLock>> FileLock::Acquire(const std::string& database_path) {
  const std::string path = database_path + ".lock";
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0 && errno == EROFS) {
    // Nothing can write there: the database's own open says so, naming the file.
    fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::unique_ptr<FileLock>(new FileLock(-1));
  }
  if (fd < 0) {
    return absl::FailedPreconditionError(
        core::StrCat("sqlite: cannot open ", path, ": ", std::strerror(errno)));
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    close(fd);
    if (error == EWOULDBLOCK) {
      return absl::FailedPreconditionError(core::StrCat(
          "sqlite: ", database_path,
          " is in use by another heraldd (or another store in this process): the SQLite store "
          "is one instance's; several instances share a PostgreSQL store (store.backend: "
          "postgres)"));
    }
    return absl::FailedPreconditionError(
        core::StrCat("sqlite: cannot lock ", path, ": ", std::strerror(error)));
  }
  return std::unique_ptr<FileLock>(new FileLock(fd));
}

FileLock::~FileLock() {
  if (fd_ >= 0) close(fd_);
}

}  // namespace herald::store::sqlite
