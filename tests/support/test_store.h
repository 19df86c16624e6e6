#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/store/store.h"

namespace herald::testing {

/// The store the pipeline's tests run on: SQLite by default, PostgreSQL when
/// HERALD_TEST_STORE=postgres (ctest runs those suites once on each: herald_test ...
/// STORES). A test names its store by a path in its temp dir, as for SQLite; on
/// PostgreSQL the path stands for a database made for it on first use (in the shared
/// test server), so that opening it again is a restart.
class TestStore {
 public:
  static bool OnPostgres();
  static absl::StatusOr<std::unique_ptr<store::Store>> Open(const std::string& path,
                                                            bool status_outbox);
  /// Runs SQL on the database behind `path` (a test that sets up what a crash or an
  /// older version would leave); fails the test when it does not run.
  static void Exec(const std::string& path, const std::string& sql);
};

}  // namespace herald::testing
