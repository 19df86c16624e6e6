// What only the SQLite store does: its file, its schema's history, the databases older
// releases wrote. What every store does is the conformance suite (*_conformance_test.cc).
#include "services/store/sqlite/sqlite_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <sstream>

#include "services/store/sqlite/migrations.h"
#include "tests/support/fake_clock.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/store/store_test_data.h"

namespace herald::store::sqlite {
namespace {

using herald::testing::TestEpoch;
using store::testing::Profile;
using ::testing::HasSubstr;

class SqliteStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<SqliteStore> Open() {
    auto store = SqliteStore::Open({.path = dir_.File("herald.db")});
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  static ProfileStore::ProfileMutation Put(core::Profile p) {
    return [p](const core::Profile*) -> absl::StatusOr<core::Profile> { return p; };
  }

  herald::testing::TempDir dir_;
};

TEST_F(SqliteStoreTest, DeletingAProfileRemovesItsConsentsAndSuppressions) {
  auto store = Open();
  ASSERT_TRUE(store->MutateProfile("anna", Put(Profile("anna"))).ok());
  ASSERT_TRUE(store->DeleteProfile("anna").ok());
  EXPECT_EQ(store->DeleteProfile("anna").code(), absl::StatusCode::kNotFound);
  store.reset();

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.File("herald.db").c_str(), &db), SQLITE_OK);
  for (const char* table : {"consents", "suppressions"}) {
    sqlite3_stmt* stmt = nullptr;
    std::string sql = std::string("SELECT COUNT(*) FROM ") + table;
    ASSERT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int(stmt, 0), 0) << table;
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
}

TEST_F(SqliteStoreTest, MigrationsRunOnceAndTheDatabaseIsInWalMode) {
  Open().reset();
  Open().reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.File("herald.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT COUNT(*), MAX(version) FROM schema_migrations", -1,
                               &stmt, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(stmt, 0), static_cast<int>(Migrations().size()));
  EXPECT_EQ(sqlite3_column_int(stmt, 1), Migrations().back().version);
  sqlite3_finalize(stmt);
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST_F(SqliteStoreTest, ADatabaseFromANewerHeralddIsRefused) {
  Open().reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.File("herald.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "INSERT INTO schema_migrations (version, name, apply_time_us)"
                         " VALUES (999, 'future', 0)",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto store = SqliteStore::Open({.path = dir_.File("herald.db")});
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(store.status().message()), HasSubstr("schema version 999"));
}

TEST_F(SqliteStoreTest, ADatabaseOfAnOlderReleaseIsMigrated) {
  {  // As an older release left it: migrations 1 to 3, with a template.
    auto db = Db::Open(dir_.File("herald.db"), {});
    ASSERT_TRUE(db.ok()) << db.status();
    std::vector<Migration> previous(Migrations().begin(), Migrations().begin() + 3);
    ASSERT_TRUE(ApplyMigrations(**db, previous).ok());
    ASSERT_TRUE((*db)
                    ->Exec("INSERT INTO templates (name, latest_version, create_time_us)"
                           " VALUES ('order-shipped', 1, 0);"
                           "INSERT INTO template_versions (name, version, description, category,"
                           " event_types, priority, default_locale, max_sms_segments,"
                           " create_time_us) VALUES ('order-shipped', 1, '', 'ORDER_UPDATE',"
                           " 'order.shipped', 'NORMAL', 'en', 0, 0);"
                           "INSERT INTO template_contents (name, version, locale, position,"
                           " email_subject, email_text, email_html) VALUES ('order-shipped', 1,"
                           " 'en', 0, 'Shipped', 't', '')")
                    .ok());
  }
  auto store = Open();
  ASSERT_NE(store, nullptr);
  absl::StatusOr<core::Template> kept = store->GetTemplate("order-shipped", 0);
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ(kept->contents[0].email->subject, "Shipped");
  absl::StatusOr<std::vector<core::Snippet>> snippets = store->ListSnippets();
  ASSERT_TRUE(snippets.ok()) << snippets.status();
  EXPECT_TRUE(snippets->empty());
}

// tests/fixtures/store/herald-v5.sql: what the release before the lean rows wrote.
class PreviousReleaseTest : public SqliteStoreTest {
 protected:
  void SetUp() override {
    std::ifstream in(std::string(STORE_FIXTURES_DIR) + "/herald-v5.sql");
    std::stringstream sql;
    sql << in.rdbuf();
    ASSERT_FALSE(sql.str().empty());
    auto db = Db::Open(dir_.File("herald.db"), {});
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_TRUE((*db)->Exec(sql.str()).ok());
  }

  std::vector<core::Notification> All(SqliteStore& store) {
    auto page = store.ListNotifications({}, "", 100);
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? page->items : std::vector<core::Notification>{};
  }

  core::Notification Only(SqliteStore& store, core::NotificationState state) {
    std::vector<core::Notification> found;
    for (core::Notification& n : All(store)) {
      if (n.state == state) found.push_back(std::move(n));
    }
    EXPECT_EQ(found.size(), 1u) << core::Name(state);
    if (found.empty()) return {};
    auto whole = store.GetNotification(found[0].notification_id);
    EXPECT_TRUE(whole.ok()) << whole.status();
    return whole.ok() ? *whole : core::Notification{};
  }
};

TEST_F(PreviousReleaseTest, EveryNotificationKeepsItsStateDecisionsAttemptsAndMessages) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  std::vector<core::Notification> all = All(*store);
  ASSERT_EQ(all.size(), 11u);
  // Newest first, as before.
  EXPECT_EQ(all.front().event_id, "v5-ord-1005-shipped");
  EXPECT_EQ(all.back().event_id, "v5-ord-1001-shipped");

  core::Notification delivered = Only(*store, core::NotificationState::kDelivered);
  EXPECT_EQ(delivered.customer_id, "anna");
  EXPECT_EQ(delivered.channel, core::Channel::kSms);
  ASSERT_TRUE(delivered.decision);
  EXPECT_EQ(delivered.decision->reason, core::DecisionReason::kAllowed);
  EXPECT_EQ(delivered.decision->evaluations.size(), 9u);
  EXPECT_EQ(delivered.decision->evaluations[0].rule, "template");
  ASSERT_EQ(delivered.attempts.size(), 1u);
  EXPECT_EQ(delivered.attempts[0].provider_message_id, "demo-1");
  EXPECT_EQ(delivered.attempts[0].result, core::AttemptResult::kAccepted);
  ASSERT_EQ(delivered.messages.size(), 2u);  // rendered for each channel, as then
  EXPECT_EQ(delivered.messages[0].channel, core::Channel::kSms);
  EXPECT_THAT(delivered.messages[0].sms_text, HasSubstr("Je bestelling 1001 is onderweg"));
  std::vector<core::NotificationState> states;
  for (const core::StateChange& h : delivered.history) states.push_back(h.state);
  EXPECT_THAT(states, ::testing::ElementsAre(
                          core::NotificationState::kPending, core::NotificationState::kQueued,
                          core::NotificationState::kSending, core::NotificationState::kSent,
                          core::NotificationState::kDelivered));

  core::Notification suppressed = Only(*store, core::NotificationState::kSuppressed);
  EXPECT_EQ(suppressed.decision->reason, core::DecisionReason::kNoConsent);
  auto decisions = store->ListDecisions(suppressed.notification_id);
  ASSERT_TRUE(decisions.ok());
  EXPECT_EQ(decisions->size(), 1u);
}

TEST_F(PreviousReleaseTest, WhatWasWaitingGoesOnWhereItWas) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  const core::Time later = core::Time(std::chrono::hours(24 * 365 * 60));  // 2030
  // QUEUED: due for its hand-off.
  auto due = store->ListDue(later, core::Channel::kEmail, 10);
  ASSERT_TRUE(due.ok()) << due.status();
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].event_id, "v5-ord-1005-shipped");
  // DEFERRED: decided again when due.
  auto deferred = store->ListDueDecisions(later, 10, std::nullopt);
  ASSERT_TRUE(deferred.ok()) << deferred.status();
  ASSERT_EQ(deferred->size(), 1u);
  EXPECT_EQ((*deferred)[0].customer_id, "piet");
  EXPECT_TRUE(store->NextDeferTime(std::nullopt)->has_value());
  // SENDING at the kill: found as in flight, with its attempt.
  auto in_flight = store->ListInFlight();
  ASSERT_TRUE(in_flight.ok()) << in_flight.status();
  ASSERT_EQ(in_flight->size(), 1u);
  EXPECT_EQ(in_flight->at(0).notification.attempt_count, 1);
  EXPECT_EQ(in_flight->at(0).message.channel, core::Channel::kEmail);
  // A receipt names a message by the provider's id it had then.
  core::Notification sent;
  for (const core::Notification& n : All(*store)) {
    if (n.customer_id == "anna" && n.template_name == "outage-started") sent = n;
  }
  auto receipt = store->ApplyReceipt({.channel = core::Channel::kSms,
                                      .provider_message_id = "demo-2",
                                      .state = core::NotificationState::kDelivered,
                                      .time = later,
                                      .detail = "delivered"});
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  EXPECT_EQ(receipt->outcome, ReceiptResult::Outcome::kApplied);
  EXPECT_EQ(receipt->notification_id, sent.notification_id);
  // The event ids are still known: a re-delivered event makes nothing new.
  auto known = store->KnownEvents({"v5-ord-1001-shipped", "never"});
  ASSERT_TRUE(known.ok());
  EXPECT_EQ((*known)[0].state, KnownEvent::State::kComplete);
  EXPECT_EQ((*known)[1].state, KnownEvent::State::kUnknown);
}

TEST_F(PreviousReleaseTest, TheStatusOutboxIsPublishedWithTheSameSequencesThenNumberingGoesOn) {
  auto opened = SqliteStore::Open({.path = dir_.File("herald.db"), .status_outbox = true});
  ASSERT_TRUE(opened.ok()) << opened.status();
  SqliteStore& store = **opened;
  auto waiting = store.ListStatusOutbox(100);
  ASSERT_TRUE(waiting.ok()) << waiting.status();
  ASSERT_EQ(waiting->size(), 3u);
  EXPECT_EQ(waiting->at(0).sequence, 25);
  EXPECT_EQ(waiting->at(2).sequence, 27);
  EXPECT_EQ(waiting->at(0).customer_id, "james");
  EXPECT_EQ(waiting->at(0).event_id, "v5-alert-40");
  EXPECT_EQ(waiting->at(0).state, core::NotificationState::kQueued);
  EXPECT_EQ(*store.LatestChange(), 27);
  ASSERT_TRUE(store.AckStatusOutbox(27).ok());
  EXPECT_TRUE(store.ListStatusOutbox(100)->empty());
  // The next change is 28.
  core::Notification deferred = store.ListDueDecisions(core::Time::max(), 1, std::nullopt)->at(0);
  DecisionUpdate u;
  u.notification_seq = deferred.seq;
  u.notification_id = deferred.notification_id;
  u.expected_state = core::NotificationState::kDeferred;
  u.expected_update_time = deferred.update_time;
  u.state = core::NotificationState::kSuppressed;
  u.decision.decide_time = deferred.update_time + std::chrono::hours(1);
  ASSERT_THAT(*store.RecordDecisions({u}, {}), ::testing::ElementsAre(true));
  auto next = store.ListStatusOutbox(100);
  ASSERT_TRUE(next.ok());
  ASSERT_EQ(next->size(), 1u);
  EXPECT_EQ(next->at(0).sequence, 28);
  EXPECT_EQ(next->at(0).previous_state, core::NotificationState::kDeferred);
}

TEST_F(SqliteStoreTest, AnUnopenablePathIsAClearError) {
  auto store = SqliteStore::Open({.path = dir_.File("no/such/dir/herald.db")});
  EXPECT_FALSE(store.ok());
  EXPECT_THAT(std::string(store.status().message()), HasSubstr("no/such/dir/herald.db"));
}

}  // namespace
}  // namespace herald::store::sqlite
