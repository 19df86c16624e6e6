#include "tests/support/postgres_server.h"

#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "services/core/strings.h"
#include "tests/support/subprocess.h"

namespace herald::testing {
namespace {

/// The newest installed server's binaries (Debian: /usr/lib/postgresql/<major>/bin), or
/// HERALD_PG_BINDIR.
std::string FindBinDir() {
  if (const char* dir = std::getenv("HERALD_PG_BINDIR"); dir != nullptr && *dir != '\0') {
    return dir;
  }
  std::string best;
  int best_major = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    const int major = std::atoi(entry.path().filename().c_str());
    if (major > best_major && std::filesystem::exists(entry.path() / "bin" / "initdb")) {
      best_major = major;
      best = (entry.path() / "bin").string();
    }
  }
  return best;
}

int FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

std::string Tail(const std::string& path, size_t bytes) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  return text.size() > bytes ? text.substr(text.size() - bytes) : text;
}

}  // namespace

absl::StatusOr<std::unique_ptr<PostgresServer>> PostgresServer::Start(const Options& options,
                                                                      const std::string& dir) {
  const std::string bin_dir = FindBinDir();
  if (bin_dir.empty()) {
    return absl::FailedPreconditionError(
        "postgres test server: no /usr/lib/postgresql/<major>/bin/initdb (install Debian's "
        "postgresql: tools/setup/install-deps) and HERALD_PG_BINDIR is not set");
  }
  std::string where = dir;
  if (where.empty()) {
    where = (std::filesystem::temp_directory_path() / "herald-pg-XXXXXX").string();
    if (mkdtemp(where.data()) == nullptr) {
      return absl::InternalError("postgres test server: mkdtemp failed");
    }
  } else {
    std::error_code ec;
    std::filesystem::remove_all(where, ec);
    if (!std::filesystem::create_directories(where, ec)) {
      return absl::InternalError("postgres test server: cannot create " + where);
    }
  }
  std::unique_ptr<PostgresServer> server(new PostgresServer(options, bin_dir, where));
  std::error_code ec;
  std::filesystem::permissions(where, std::filesystem::perms::owner_all, ec);
  if (geteuid() == 0) {
    const passwd* pw = getpwnam("postgres");
    if (pw == nullptr) {
      return absl::FailedPreconditionError(
          "postgres test server: running as root, and there is no 'postgres' user to run the "
          "server as (Debian's postgresql package creates it)");
    }
    if (chown(where.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      return absl::InternalError("postgres test server: chown of " + where + " to postgres failed");
    }
  }
  if (absl::Status s = server->InitDb(); !s.ok()) return s;
  absl::Status started;
  // Another process may take the free port between our probe and the server's bind.
  for (int attempt = 0; attempt < 5; ++attempt) {
    server->port_ = FreeLoopbackPort();
    started = server->StartServer();
    if (started.ok()) {
      std::ofstream(server->File("port")) << server->port_ << "\n";
      return server;
    }
  }
  return started;
}

absl::StatusOr<std::unique_ptr<PostgresServer>> PostgresServer::Attach(const std::string& dir) {
  std::unique_ptr<PostgresServer> server(new PostgresServer(Options{}, FindBinDir(), dir));
  std::ifstream in(server->File("port"));
  if (!(in >> server->port_)) {
    return absl::FailedPreconditionError("postgres test server: no server started in " + dir +
                                         " (its port file is missing)");
  }
  server->running_ = true;
  server->detached_ = true;
  return server;
}

PostgresServer& PostgresServer::Shared() {
  static PostgresServer* shared = [] {
    const char* fixture = std::getenv("HERALD_TEST_POSTGRES_DIR");
    auto server = fixture != nullptr && *fixture != '\0' ? Attach(fixture) : Start();
    if (!server.ok()) {
      std::cerr << server.status() << "\n";
      std::abort();
    }
    PostgresServer* raw = server->release();
    // Stopped at exit, after every test of the process ran (unless the fixture's).
    std::atexit([] { delete shared; });
    return raw;
  }();
  return *shared;
}

PostgresServer::~PostgresServer() {
  if (detached_) return;
  if (running_) Stop().IgnoreError();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

absl::Status PostgresServer::RunTool(const std::string& tool,
                                     const std::vector<std::string>& args) {
  std::vector<std::string> argv;
  if (geteuid() == 0) argv = {"/usr/sbin/runuser", "-u", "postgres", "--"};
  argv.push_back(bin_dir_ + "/" + tool);
  argv.insert(argv.end(), args.begin(), args.end());
  RunResult result = RunToExit(argv);
  if (result.exit_code != 0) {
    return absl::InternalError(core::StrCat("postgres test server: ", tool, " exited with ",
                                            result.exit_code, ": ", result.err, result.out,
                                            Tail(File("server.log"), 2000)));
  }
  return absl::OkStatus();
}

absl::Status PostgresServer::InitDb() {
  return RunTool("initdb", {"-D", File("data"), "-A", "trust", "-U", "herald", "--no-sync", "-E",
                            "UTF8", "--locale=C"});
}

absl::Status PostgresServer::StartServer() {
  const std::string settings =
      core::StrCat("-p ", port_, " -k ", dir_, " -c listen_addresses=127.0.0.1",
                   " -c fsync=", options_.fsync ? "on" : "off",
                   " -c max_connections=", options_.max_connections);
  absl::Status s = RunTool("pg_ctl", {"-D", File("data"), "-l", File("server.log"), "-w", "-t",
                                      "60", "-o", settings, "start"});
  if (s.ok()) running_ = true;
  return s;
}

absl::Status PostgresServer::Stop() {
  absl::Status s = RunTool("pg_ctl", {"-D", File("data"), "-m", "fast", "-w", "-t", "60", "stop"});
  if (s.ok()) running_ = false;
  return s;
}

absl::Status PostgresServer::Restart() {
  if (running_) {
    if (absl::Status s = Stop(); !s.ok()) return s;
  }
  return StartServer();
}

std::string PostgresServer::Dsn(const std::string& database) const {
  return core::StrCat("host=127.0.0.1 port=", port_, " user=herald dbname=", database);
}

absl::StatusOr<std::string> PostgresServer::CreateDatabase() {
  // Unique across the processes sharing the server: pid, then a count.
  const std::string name = core::StrCat("t", getpid(), "_", ++databases_);
  PGconn* conn = PQconnectdb(Dsn("postgres").c_str());
  std::string error;
  if (PQstatus(conn) != CONNECTION_OK) {
    error = PQerrorMessage(conn);
  } else {
    PGresult* result = PQexec(conn, ("CREATE DATABASE " + name).c_str());
    if (PQresultStatus(result) != PGRES_COMMAND_OK) error = PQresultErrorMessage(result);
    PQclear(result);
  }
  PQfinish(conn);
  if (!error.empty()) {
    return absl::InternalError("postgres test server: CREATE DATABASE " + name + ": " + error);
  }
  return Dsn(name);
}

}  // namespace herald::testing
