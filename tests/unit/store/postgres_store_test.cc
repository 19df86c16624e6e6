// What only the PostgreSQL store does: its schema shared by instances, its server going
// away and coming back, changes committed side by side. What every store does is the
// conformance suite (*_conformance_test.cc).
#include "services/store/postgres/postgres_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <atomic>
#include <set>
#include <thread>

#include "services/store/postgres/migrations.h"
#include "tests/support/fake_clock.h"
#include "tests/support/postgres_server.h"
#include "tests/support/wait.h"
#include "tests/unit/store/store_test_data.h"

namespace herald::store::postgres {
namespace {

using store::testing::Item;
using ::testing::HasSubstr;
using testing::TestEpoch;

// One statement on its own connection; its first value.
std::string Query(const std::string& dsn, const std::string& sql) {
  PGconn* conn = PQconnectdb(dsn.c_str());
  PGresult* result = PQexec(conn, sql.c_str());
  std::string value;
  if (PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) > 0) {
    value = PQgetvalue(result, 0, 0);
  } else if (PQresultStatus(result) != PGRES_COMMAND_OK) {
    ADD_FAILURE() << sql << ": " << PQerrorMessage(conn);
  }
  PQclear(result);
  PQfinish(conn);
  return value;
}

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dsn = herald::testing::PostgresServer::Shared().CreateDatabase();
    ASSERT_TRUE(dsn.ok()) << dsn.status();
    dsn_ = *dsn;
  }

  std::unique_ptr<PostgresStore> Open(PostgresStore::Options options = {}) {
    options.dsn = dsn_;
    auto store = PostgresStore::Open(options);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  std::string dsn_;
};

TEST_F(PostgresStoreTest, InstancesStartingTogetherApplyEachMigrationOnce) {
  std::vector<std::thread> starting;
  std::atomic<int> opened{0};
  for (int i = 0; i < 4; ++i) {
    starting.emplace_back([&] {
      auto store = PostgresStore::Open({.dsn = dsn_});
      EXPECT_TRUE(store.ok()) << store.status();
      if (store.ok()) ++opened;
    });
  }
  for (auto& t : starting) t.join();
  EXPECT_EQ(opened.load(), 4);
  EXPECT_EQ(Query(dsn_, "SELECT COUNT(*) FROM schema_migrations"),
            std::to_string(Migrations().size()));
  EXPECT_EQ(Query(dsn_, "SELECT MAX(version) FROM schema_migrations"),
            std::to_string(Migrations().back().version));
  // The event's body, as received (bytes of every value), survives the round trip.
  auto store = Open();
  ASSERT_TRUE(store->RecordIntake({Item("e-1", "anna")}).ok());
  EXPECT_EQ(store->GetEvent("e-1")->body, std::string("\0\x01\xff body", 8));
}

TEST_F(PostgresStoreTest, ADatabaseFromANewerHeralddIsRefused) {
  Open().reset();
  Query(dsn_, "INSERT INTO schema_migrations (version, name, apply_time) VALUES (999, 'f', now())");
  auto store = PostgresStore::Open({.dsn = dsn_});
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(store.status().message()), HasSubstr("schema version 999"));
}

TEST_F(PostgresStoreTest, AServerThatIsNotThereIsAClearErrorNamingIt) {
  // A port nothing listens on: the server's own, once it is gone, is not known here, so
  // take one from a server stopped for good.
  auto gone = herald::testing::PostgresServer::Start();
  ASSERT_TRUE(gone.ok()) << gone.status();
  const std::string dsn = (*gone)->Dsn("postgres") + " connect_timeout=5";
  ASSERT_TRUE((*gone)->Stop().ok());
  auto store = PostgresStore::Open({.dsn = dsn});
  EXPECT_EQ(store.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(store.status().message()), HasSubstr(std::to_string((*gone)->port())));
}

TEST_F(PostgresStoreTest, WhileTheServerIsDownCallsFailAsUnavailableThenWorkAgain) {
  auto server = herald::testing::PostgresServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  auto dsn = (*server)->CreateDatabase();
  ASSERT_TRUE(dsn.ok()) << dsn.status();
  auto store = PostgresStore::Open({.dsn = *dsn, .pool_size = 2});
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->RecordIntake({Item("e-1", "anna")}).ok());

  ASSERT_TRUE((*server)->Stop().ok());
  auto down = (*store)->RecordIntake({Item("e-2", "anna")});
  EXPECT_EQ(down.status().code(), absl::StatusCode::kUnavailable) << down.status();
  EXPECT_EQ((*store)->GetEvent("e-1").status().code(), absl::StatusCode::kUnavailable);

  ASSERT_TRUE((*server)->Restart().ok());
  // The pool drops what broke and connects again: nothing was lost, nothing half-written.
  auto known = (*store)->KnownEvents({"e-1", "e-2"});
  ASSERT_TRUE(known.ok()) << known.status();
  EXPECT_EQ((*known)[0].state, KnownEvent::State::kComplete);
  EXPECT_EQ((*known)[1].state, KnownEvent::State::kUnknown);
  ASSERT_TRUE((*store)->RecordIntake({Item("e-2", "anna")}).ok());
  EXPECT_EQ(*(*store)->CountNotifications({core::NotificationState::kQueued}), 2);
}

TEST_F(PostgresStoreTest, AWatcherOfTwoInstancesWritingAtOnceMissesNoChange) {
  auto a = Open();
  auto b = Open();
  constexpr int kEach = 150;
  std::atomic<bool> writing{true};
  std::vector<std::thread> writers;
  for (auto* store : {a.get(), b.get()}) {
    writers.emplace_back([store, prefix = store == a.get() ? "a" : "b"] {
      for (int i = 0; i < kEach; ++i) {
        const std::string id = std::string(prefix) + "-" + std::to_string(i);
        EXPECT_TRUE(store->RecordIntake({Item(id, "cust-" + id)}).ok());
      }
    });
  }
  // A watcher reads from its cursor on while both commit: each change once, in order.
  std::set<std::string> seen;
  int64_t cursor = 0;
  int64_t last = 0;
  std::thread watcher([&] {
    while (true) {
      const bool done = !writing.load();
      auto page = a->ListChangedNotifications({}, cursor, 50);
      ASSERT_TRUE(page.ok()) << page.status();
      for (const core::Notification& n : page->items) {
        EXPECT_TRUE(seen.insert(n.notification_id).second) << n.notification_id;
      }
      if (page->next_after) {
        const int64_t next = std::stoll(*page->next_after);
        EXPECT_GT(next, last);
        last = cursor = next;
      } else if (done) {
        return;
      }
    }
  });
  for (auto& t : writers) t.join();
  writing = false;
  watcher.join();
  EXPECT_EQ(seen.size(), 2u * kEach);
  EXPECT_EQ(cursor, 2 * kEach);
  EXPECT_EQ(*b->LatestChange(), 2 * kEach);
}

TEST_F(PostgresStoreTest, AnInstanceResolvesOnlySendsWhoseLeaseRanOutAndOneInstanceEach) {
  // Instance a claims two sends; b and c start (or look again) while a holds them.
  auto a = Open({.dsn = "", .instance = "a", .send_lease = std::chrono::minutes(10)});
  auto b = Open({.dsn = "", .instance = "b", .send_lease = std::chrono::minutes(10)});
  auto c = Open({.dsn = "", .instance = "c", .send_lease = std::chrono::minutes(10)});
  ASSERT_TRUE(a->RecordIntake({Item("e-1", "anna"), Item("e-2", "bert")}).ok());
  auto due = a->ListDue(TestEpoch(), core::Channel::kEmail, 10);
  ASSERT_TRUE(due.ok()) << due.status();
  ASSERT_EQ(due->size(), 2u);
  core::RenderedMessage message;
  message.channel = core::Channel::kEmail;
  std::vector<Claim> claims;
  for (const core::Notification& n : *due) {
    claims.push_back({n.seq, n.notification_id, 0, TestEpoch(), message, Named::Of(n)});
  }
  ASSERT_THAT(*a->Claim(claims), ::testing::ElementsAre(true, true));
  EXPECT_TRUE(b->ListInFlight()->empty());  // a's, and a is alive

  // a's lease has run out (it died): b takes both over, and c, looking at once after,
  // finds them b's.
  Query(dsn_, "UPDATE notifications SET lease_until_us = 0 WHERE lease_owner = 'a'");
  auto taken = b->ListInFlight();
  ASSERT_TRUE(taken.ok()) << taken.status();
  ASSERT_EQ(taken->size(), 2u);
  EXPECT_EQ(taken->at(0).notification.attempt_count, 1);
  EXPECT_EQ(taken->at(0).message.channel, core::Channel::kEmail);
  EXPECT_EQ(taken->at(0).lost_lease_owner, "a");  // named in what resolves it
  EXPECT_EQ(taken->at(1).lost_lease_owner, "a");
  EXPECT_TRUE(c->ListInFlight()->empty());
  EXPECT_EQ(Query(dsn_, "SELECT COUNT(*) FROM notifications WHERE lease_owner = 'b'"), "2");
}

TEST_F(PostgresStoreTest, ALiveInstanceRenewsItsLeasesAndARestartedOneResolvesItsOwnAtOnce) {
  auto a = Open({.dsn = "", .instance = "a", .send_lease = std::chrono::minutes(10)});
  auto b = Open({.dsn = "", .instance = "b", .send_lease = std::chrono::minutes(10)});
  ASSERT_TRUE(a->ListInFlight().ok());  // a's start: nothing of an earlier run
  ASSERT_TRUE(a->RecordIntake({Item("e-1", "anna")}).ok());
  auto due = a->ListDue(TestEpoch(), core::Channel::kEmail, 10);
  ASSERT_TRUE(due.ok()) << due.status();
  ASSERT_EQ(due->size(), 1u);
  core::RenderedMessage message;
  message.channel = core::Channel::kEmail;
  ASSERT_THAT(*a->Claim({{due->at(0).seq, due->at(0).notification_id, 0, TestEpoch(), message,
                          Named::Of(due->at(0))}}),
              ::testing::ElementsAre(true));

  // The hand-off takes long, its lease is about to run out: a, alive, renews it, so b
  // finds nothing to take over.
  const std::string soon = "(extract(epoch from clock_timestamp()) * 1000000)::bigint + 1000000";
  Query(dsn_, "UPDATE notifications SET lease_until_us = " + soon);
  ASSERT_TRUE(a->ListInFlight()->empty());
  EXPECT_EQ(Query(dsn_,
                  "SELECT COUNT(*) FROM notifications WHERE lease_until_us >"
                  " (extract(epoch from clock_timestamp()) * 1000000)::bigint + 500000000"),
            "1");  // ten minutes from now, not one second
  EXPECT_TRUE(b->ListInFlight()->empty());

  // a is killed and comes back under the same name: its first look resolves what the
  // earlier run left, without waiting for the lease.
  a.reset();
  auto again = Open({.dsn = "", .instance = "a", .send_lease = std::chrono::minutes(10)});
  auto left = again->ListInFlight();
  ASSERT_TRUE(left.ok()) << left.status();
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ(left->at(0).lost_lease_owner, "a");
  EXPECT_TRUE(b->ListInFlight()->empty());
}

TEST_F(PostgresStoreTest, OneInstanceAtATimePublishesTheStatusOutboxAndAnotherTakesOver) {
  auto a = Open({.dsn = "", .status_outbox = true});
  auto b = Open({.dsn = "", .status_outbox = true});
  ASSERT_TRUE(a->RecordIntake({Item("e-1", "anna"), Item("e-2", "bert")}).ok());
  auto first = a->ListStatusOutbox(100);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->size(), 2u);
  EXPECT_TRUE(b->ListStatusOutbox(100)->empty());  // a publishes
  ASSERT_TRUE(a->AckStatusOutbox(first->at(0).sequence).ok());
  a.reset();  // gone: its lock goes with its connection, once the server has ended it
  absl::StatusOr<std::vector<StatusChange>> rest;
  ASSERT_TRUE(herald::testing::WaitFor(
      [&] {
        rest = b->ListStatusOutbox(100);
        return !rest.ok() || !rest->empty();
      },
      std::chrono::seconds(10), std::chrono::milliseconds(20)));
  ASSERT_TRUE(rest.ok()) << rest.status();
  ASSERT_EQ(rest->size(), 1u);  // from where a's acknowledgement left it
  EXPECT_EQ(rest->at(0).notification_id, "n-e-2");
}

}  // namespace
}  // namespace herald::store::postgres
