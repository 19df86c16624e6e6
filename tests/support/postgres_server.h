#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace herald::testing {

/// A throwaway PostgreSQL cluster: initdb into a directory of its own (as the `postgres`
/// user when running as root, since the server refuses root), a free loopback port and
/// a socket directory of its own; stopped and removed on destruction. Tests get a fresh
/// database each (CreateDatabase) rather than a server each: under ctest, one server
/// started by the `postgres` fixture (tests/support/postgres_fixture.cc) serves every
/// test process.
class PostgresServer {
 public:
  struct Options {
    /// Off for the tests: durability across a machine crash is not what they check, and
    /// it keeps commits cheap. Benchmarks of throughput turn it on.
    bool fsync = false;
    int max_connections = 200;
  };

  /// initdb and start; FAILED_PRECONDITION naming what is missing when the server
  /// binaries or the postgres user are not there.
  /// `dir`: where (created, and removed on destruction); empty for a temp dir.
  static absl::StatusOr<std::unique_ptr<PostgresServer>> Start(const Options& options,
                                                               const std::string& dir = "");
  static absl::StatusOr<std::unique_ptr<PostgresServer>> Start() { return Start(Options{}); }
  /// A server another process started in `dir` (Start, then Detach); left running on
  /// destruction.
  static absl::StatusOr<std::unique_ptr<PostgresServer>> Attach(const std::string& dir);
  /// The server the tests of this process share: the ctest fixture's when
  /// HERALD_TEST_POSTGRES_DIR names it, else one started on first use and stopped at
  /// exit. Aborts the test binary with the reason when there is none.
  static PostgresServer& Shared();

  /// Leaves the server running, and its directory, when this object goes.
  void Detach() { detached_ = true; }
  const std::string& dir() const { return dir_; }

  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;
  ~PostgresServer();

  /// A new empty database; returns its connection string (key=value form).
  absl::StatusOr<std::string> CreateDatabase();
  /// The connection string of a database of this server.
  std::string Dsn(const std::string& database) const;

  /// Stops the server ("fast": clients are disconnected) and starts it again on the
  /// same port, for tests of what happens meanwhile.
  absl::Status Stop();
  absl::Status Restart();
  bool running() const { return running_; }
  int port() const { return port_; }

 private:
  PostgresServer(Options options, std::string bin_dir, std::string dir)
      : options_(options), bin_dir_(std::move(bin_dir)), dir_(std::move(dir)) {}
  std::string File(const std::string& name) const { return dir_ + "/" + name; }
  absl::Status InitDb();
  absl::Status StartServer();
  /// Runs one of the server's programs, as the postgres user when we are root.
  absl::Status RunTool(const std::string& tool, const std::vector<std::string>& args);

  Options options_;
  std::string bin_dir_;
  std::string dir_;
  int port_ = 0;
  bool detached_ = false;
  bool running_ = false;
  int databases_ = 0;
};

}  // namespace herald::testing
