#include "services/store/sqlite/sqlite_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <thread>

#include "services/store/sqlite/migrations.h"
#include "services/store/sqlite/rows.h"
#include "tests/support/fake_clock.h"
#include "tests/support/temp_dir.h"

namespace herald::store::sqlite {
namespace {

using ::testing::HasSubstr;
using testing::TestEpoch;

core::Profile Profile(const std::string& id) {
  core::Profile p;
  p.customer_id = id;
  p.display_name = "Anna";
  p.email = id + "@example.nl";
  p.phone = "+31612345678";
  p.locale = "nl-BE";
  p.time_zone = "Europe/Brussels";
  p.preferred_channels = {core::Channel::kSms, core::Channel::kEmail};
  p.consents = {{core::Category::kSurvey, core::Channel::kEmail, core::ConsentState::kGranted,
                 "web", TestEpoch()},
                {core::Category::kInformational, core::Channel::kSms, core::ConsentState::kDenied,
                 "call-center", TestEpoch() + std::chrono::seconds(5)}};
  p.quiet_hours = core::QuietHours{22 * 60, 7 * 60};
  p.suppressions = {{core::Channel::kEmail, std::nullopt, core::SuppressionReason::kHardBounce,
                     "550 user unknown", TestEpoch(), std::nullopt},
                    {std::nullopt, core::Category::kSurvey, core::SuppressionReason::kComplaint, "",
                     TestEpoch(), TestEpoch() + std::chrono::hours(24 * 14)}};
  p.create_time = TestEpoch();
  p.update_time = TestEpoch() + std::chrono::seconds(1);
  return p;
}

core::Template Template(const std::string& name, const std::string& subject) {
  core::Template t;
  t.name = name;
  t.category = core::Category::kOrderUpdate;
  t.event_types = {"order.shipped", "order.delayed"};
  t.priority = core::Priority::kHigh;
  t.default_locale = "en";
  t.contents = {{"en", core::EmailContent{subject, "text", "<p>html</p>"}, core::SmsContent{"sms"}},
                {"nl", std::nullopt, core::SmsContent{"sms nl"}}};
  t.update_time = TestEpoch();
  return t;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<SqliteStore> Open(int max_batch = 256) {
    auto store = SqliteStore::Open({.path = dir_.File("herald.db"), .max_batch = max_batch});
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  static ProfileStore::ProfileMutation Put(core::Profile p) {
    return [p](const core::Profile*) -> absl::StatusOr<core::Profile> { return p; };
  }

  testing::TempDir dir_;
};

TEST_F(SqliteStoreTest, AProfileReadsBackExactlyAsWrittenAfterReopening) {
  {
    auto store = Open();
    ASSERT_TRUE(store->MutateProfile("anna", Put(Profile("anna"))).ok());
  }
  auto store = Open();
  auto read = store->GetProfile("anna");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, Profile("anna"));
}

TEST_F(SqliteStoreTest, AFailedMutationStoresNothing) {
  auto store = Open();
  auto result =
      store->MutateProfile("anna", [](const core::Profile*) -> absl::StatusOr<core::Profile> {
        return absl::InvalidArgumentError("nope");
      });
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store->GetProfile("anna").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(SqliteStoreTest, AMutationSeesTheCurrentProfile) {
  auto store = Open();
  ASSERT_TRUE(store->MutateProfile("anna", Put(Profile("anna"))).ok());
  auto result = store->MutateProfile(
      "anna", [](const core::Profile* current) -> absl::StatusOr<core::Profile> {
        EXPECT_NE(current, nullptr);
        core::Profile next = *current;
        next.consents.clear();
        next.suppressions.pop_back();
        return next;
      });
  ASSERT_TRUE(result.ok());
  auto read = store->GetProfile("anna");
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(read->consents.empty());
  EXPECT_EQ(read->suppressions.size(), 1u);
}

TEST_F(SqliteStoreTest, ConcurrentWritesAreBatchedAndOneFailureSparesTheOthers) {
  auto store = Open(/*max_batch=*/16);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 50;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string id = "c" + std::to_string(t) + "-" + std::to_string(i);
        const bool fail = i % 10 == 0;  // these write a row, then fail
        auto result =
            store->MutateProfile(id, [&](const core::Profile*) -> absl::StatusOr<core::Profile> {
              if (fail) return absl::FailedPreconditionError("refused");
              return Profile(id);
            });
        if (!result.ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), kThreads * kPerThread / 10);

  int listed = 0;
  std::string after;
  while (true) {
    auto page = store->ListProfiles(after, 100);
    ASSERT_TRUE(page.ok());
    for (const auto& p : page->items)
      EXPECT_THAT(p.customer_id, ::testing::Not(::testing::EndsWith("-0")));
    listed += static_cast<int>(page->items.size());
    if (!page->next_after) break;
    after = *page->next_after;
  }
  EXPECT_EQ(listed, kThreads * kPerThread * 9 / 10);
}

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

TEST_F(SqliteStoreTest, TemplatesAreVersionedAndKeepTheirCreateTime) {
  auto store = Open();
  auto v1 = store->AddTemplateVersion(
      "order-shipped",
      [](const core::Template* latest) -> absl::StatusOr<std::optional<core::Template>> {
        EXPECT_EQ(latest, nullptr);
        return Template("order-shipped", "first");
      });
  ASSERT_TRUE(v1.ok()) << v1.status();
  EXPECT_EQ(v1->version, 1);
  auto v2 = store->AddTemplateVersion(
      "order-shipped",
      [](const core::Template* latest) -> absl::StatusOr<std::optional<core::Template>> {
        core::Template next = Template("order-shipped", "second");
        next.update_time = latest->update_time + std::chrono::hours(1);
        return next;
      });
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->version, 2);
  EXPECT_EQ(v2->create_time, TestEpoch());

  auto kept = store->AddTemplateVersion(
      "order-shipped", [](const core::Template*) -> absl::StatusOr<std::optional<core::Template>> {
        return std::nullopt;
      });
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->version, 2);

  EXPECT_EQ(store->GetTemplate("order-shipped", 1)->contents[0].email->subject, "first");
  EXPECT_EQ(*store->GetTemplate("order-shipped", 0), *v2);
  EXPECT_EQ(store->GetTemplate("order-shipped", 3).status().code(), absl::StatusCode::kNotFound);

  ASSERT_TRUE(store->DeleteTemplate("order-shipped").ok());
  EXPECT_EQ(store->GetTemplate("order-shipped", 1).status().code(), absl::StatusCode::kNotFound);
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

TEST_F(SqliteStoreTest, SnippetsAreCreatedOnceAndKeepWhenTheirTextChanged) {
  auto store = Open();
  core::Snippet footer;
  footer.name = "footer";
  footer.description = "brand footer";
  footer.text = "-- Herald";
  footer.update_time = TestEpoch();
  ASSERT_TRUE(store->PutSnippet(footer, /*must_exist=*/false).ok());
  EXPECT_EQ(store->PutSnippet(footer, false).status().code(), absl::StatusCode::kAlreadyExists);
  core::Snippet other = footer;
  other.name = "a-sign";
  EXPECT_EQ(store->PutSnippet(other, /*must_exist=*/true).status().code(),
            absl::StatusCode::kNotFound);
  ASSERT_TRUE(store->PutSnippet(other, false).ok());

  // A new description alone does not change when the text last changed.
  footer.description = "the footer";
  footer.update_time = TestEpoch() + std::chrono::hours(1);
  absl::StatusOr<core::Snippet> same = store->PutSnippet(footer, true);
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_EQ(same->update_time, TestEpoch());
  footer.text = "-- The Herald team";
  footer.update_time = TestEpoch() + std::chrono::hours(2);
  ASSERT_TRUE(store->PutSnippet(footer, true).ok());

  store = Open();  // as stored
  absl::StatusOr<core::Snippet> read = store->GetSnippet("footer");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->description, "the footer");
  EXPECT_EQ(read->text, "-- The Herald team");
  EXPECT_EQ(read->create_time, TestEpoch());
  EXPECT_EQ(read->update_time, TestEpoch() + std::chrono::hours(2));
  absl::StatusOr<std::vector<core::Snippet>> all = store->ListSnippets();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "a-sign");
  ASSERT_TRUE(store->DeleteSnippet("a-sign").ok());
  EXPECT_EQ(store->DeleteSnippet("a-sign").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store->GetSnippet("a-sign").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(SqliteStoreTest, ADatabaseOfThePreviousReleaseIsMigrated) {
  {  // As the previous release left it: migrations 1 to 3, with a template.
    auto db = Db::Open(dir_.File("herald.db"), {});
    ASSERT_TRUE(db.ok()) << db.status();
    std::vector<Migration> previous(Migrations().begin(), Migrations().begin() + 3);
    ASSERT_TRUE(ApplyMigrations(**db, previous).ok());
    ASSERT_TRUE(InsertTemplateVersion(**db, Template("order-shipped", "Shipped")).ok());
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

TEST_F(SqliteStoreTest, AnUnopenablePathIsAClearError) {
  auto store = SqliteStore::Open({.path = dir_.File("no/such/dir/herald.db")});
  EXPECT_FALSE(store.ok());
  EXPECT_THAT(std::string(store.status().message()), HasSubstr("no/such/dir/herald.db"));
}

}  // namespace
}  // namespace herald::store::sqlite
