// herald-test-postgres start|stop DIR: the PostgreSQL server ctest's `postgres` fixture
// starts before the tests that need one and stops after them (tests/CMakeLists.txt),
// so that every test process shares one server instead of running initdb each.
#include <cstring>
#include <filesystem>
#include <iostream>

#include "tests/support/postgres_server.h"

int main(int argc, char** argv) {
  using herald::testing::PostgresServer;
  if (argc != 3 || (std::strcmp(argv[1], "start") != 0 && std::strcmp(argv[1], "stop") != 0)) {
    std::cerr << "usage: herald-test-postgres start|stop DIR\n";
    return 2;
  }
  if (std::strcmp(argv[1], "start") == 0) {
    auto server = PostgresServer::Start({}, argv[2]);
    if (!server.ok()) {
      std::cerr << server.status() << "\n";
      return 1;
    }
    (*server)->Detach();
    std::cout << "postgres test server on 127.0.0.1:" << (*server)->port() << " in " << argv[2]
              << "\n";
    return 0;
  }
  auto server = PostgresServer::Attach(argv[2]);
  if (!server.ok()) return 0;  // nothing to stop
  absl::Status stopped = (*server)->Stop();
  std::error_code ignored;
  std::filesystem::remove_all(argv[2], ignored);
  if (!stopped.ok()) {
    std::cerr << stopped << "\n";
    return 1;
  }
  return 0;
}
