#pragma once

#include <utility>
#include <vector>

#include "services/store/sqlite/sqlite_db.h"
#include "services/store/store.h"

namespace herald::store::sqlite {

/// The writer's transaction as one write sees it: the connection, and the state changes
/// the write makes, which the writer stores as one batch of the change log when the
/// transaction commits (numbered then, in commit order).
class WriteTx {
 public:
  explicit WriteTx(Db& db) : db_(db) {}

  Db& db() { return db_; }
  void AddChange(StatusChange change) { changes_.push_back(std::move(change)); }
  std::vector<StatusChange>& changes() { return changes_; }

 private:
  Db& db_;
  std::vector<StatusChange> changes_;
};

}  // namespace herald::store::sqlite
