#pragma once

#include <utility>
#include <vector>

#include "services/store/postgres/pg_conn.h"
#include "services/store/store.h"

namespace herald::store::postgres {

/// A write transaction as one store call sees it: the connection, and the state
/// changes the call makes, which the store numbers and keeps as one batch of the change
/// log just before the commit.
class WriteTx {
 public:
  explicit WriteTx(Conn& conn) : conn_(conn) {}

  Conn& conn() { return conn_; }
  void AddChange(StatusChange change) { changes_.push_back(std::move(change)); }
  std::vector<StatusChange>& changes() { return changes_; }

 private:
  Conn& conn_;
  std::vector<StatusChange> changes_;
};

}  // namespace herald::store::postgres
