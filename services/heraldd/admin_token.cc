#include "services/heraldd/admin_token.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>

#include "services/api/auth/api_key_token.h"
#include "services/api/auth/bootstrap.h"
#include "services/core/strings.h"

namespace herald::heraldd {
namespace {

absl::StatusOr<api::auth::ApiKeyToken> ReadToken(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) {
    return absl::FailedPreconditionError(
        core::StrCat("auth.admin_token_file: cannot read a token from ", path));
  }
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  absl::StatusOr<api::auth::ApiKeyToken> token = api::auth::ParseApiKeyToken(line);
  if (!token.ok()) {
    return absl::FailedPreconditionError(
        core::StrCat("auth.admin_token_file: ", path, ": ", token.status().message()));
  }
  return token;
}

// Creates the file only if it does not exist, readable by this user alone: written in
// full under another name, then linked into place (so another instance starting at the
// same moment reads either no file or a whole one). nullopt: someone else made it first.
absl::StatusOr<std::optional<api::auth::ApiKeyToken>> CreateToken(const std::string& path) {
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  std::error_code error;
  if (!dir.empty()) std::filesystem::create_directories(dir, error);
  absl::StatusOr<api::auth::ApiKeyToken> token = api::auth::NewApiKeyToken();
  if (!token.ok()) return token.status();
  const std::string temp = core::StrCat(path, ".", getpid(), ".tmp");
  const int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        core::StrCat("auth.admin_token_file: cannot create ", temp, ": ", std::strerror(errno)));
  }
  const std::string line = token->ToString() + "\n";
  const bool written = write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  const bool synced = fsync(fd) == 0;
  close(fd);
  const int linked = written && synced ? link(temp.c_str(), path.c_str()) : -1;
  const int link_errno = errno;
  std::filesystem::remove(temp, error);
  if (linked == 0) return token;
  if (written && synced && link_errno == EEXIST) return std::nullopt;
  return absl::FailedPreconditionError(
      core::StrCat("auth.admin_token_file: cannot write ", path, ": ", std::strerror(link_errno)));
}

}  // namespace

absl::Status EnsureAdminToken(const std::string& path, store::ApiKeyStore& keys, core::Time now) {
  std::error_code error;
  bool created = false;
  absl::StatusOr<api::auth::ApiKeyToken> token = absl::NotFoundError("");
  if (!std::filesystem::exists(path, error)) {
    absl::StatusOr<std::optional<api::auth::ApiKeyToken>> made = CreateToken(path);
    if (!made.ok()) return made.status();
    if (*made) {
      token = **made;
      created = true;
    }
  }
  if (!created) token = ReadToken(path);
  if (!token.ok()) return token.status();
  absl::StatusOr<core::ApiKey> key =
      api::auth::RegisterToken(keys, *token, "admin token file", core::Role::kAdmin, now);
  if (!key.ok()) {
    return absl::Status(key.status().code(), core::StrCat("auth.admin_token_file: ", path, ": ",
                                                          key.status().message()));
  }
  if (key->revoke_time) {
    spdlog::warn("msg=\"the admin token file's key is revoked\" file={} key_id={}", path, key->id);
  } else {
    spdlog::info("msg=\"admin key from token file\" file={} key_id={} created_file={}", path,
                 key->id, created);
  }
  return absl::OkStatus();
}

}  // namespace herald::heraldd
