// The conformance suite's profiles, templates and snippets: every Store implementation
// runs these (tests/unit/store/store_kinds.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/support/fake_clock.h"
#include "tests/unit/store/store_kinds.h"
#include "tests/unit/store/store_test_data.h"

namespace herald::store::testing {
namespace {

// What a change from the profiles topic did, in words a failure message shows.
std::string Applied(const absl::StatusOr<bool>& applied) {
  if (!applied.ok()) return applied.status().ToString();
  return *applied ? "applied" : "read before";
}

template <typename Kind>
class CatalogConformance : public ::testing::Test {
 protected:
  std::unique_ptr<Store> Open() { return kind_.Open({}); }

  static ProfileStore::ProfileMutation Put(core::Profile p) {
    return [p](const core::Profile*) -> absl::StatusOr<core::Profile> { return p; };
  }

  Kind kind_;
};

TYPED_TEST_SUITE(CatalogConformance, StoreKinds, StoreKindNames);

TYPED_TEST(CatalogConformance, AProfileReadsBackExactlyAsWrittenAfterReopening) {
  {
    auto store = this->Open();
    ASSERT_TRUE(store->MutateProfile("anna", this->Put(Profile("anna"))).ok());
  }
  auto store = this->Open();
  auto read = store->GetProfile("anna");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, Profile("anna"));
}

TYPED_TEST(CatalogConformance, AFailedMutationStoresNothing) {
  auto store = this->Open();
  auto result =
      store->MutateProfile("anna", [](const core::Profile*) -> absl::StatusOr<core::Profile> {
        return absl::InvalidArgumentError("nope");
      });
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store->GetProfile("anna").status().code(), absl::StatusCode::kNotFound);
}

TYPED_TEST(CatalogConformance, AMutationSeesTheCurrentProfile) {
  auto store = this->Open();
  ASSERT_TRUE(store->MutateProfile("anna", this->Put(Profile("anna"))).ok());
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

TYPED_TEST(CatalogConformance, ConcurrentWritesAreBatchedAndOneFailureSparesTheOthers) {
  auto store = this->Open();
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

TYPED_TEST(CatalogConformance, TemplatesAreVersionedAndKeepTheirCreateTime) {
  auto store = this->Open();
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

TYPED_TEST(CatalogConformance, SnippetsAreCreatedOnceAndKeepWhenTheirTextChanged) {
  auto store = this->Open();
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

  store.reset();
  store = this->Open();  // as stored
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

TYPED_TEST(CatalogConformance, DeletingAProfileRemovesItAndSaysWhenThereWasNone) {
  auto store = this->Open();
  ASSERT_TRUE(store->MutateProfile("anna", this->Put(Profile("anna"))).ok());
  ASSERT_TRUE(store->DeleteProfile("anna").ok());
  EXPECT_EQ(store->DeleteProfile("anna").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store->GetProfile("anna").status().code(), absl::StatusCode::kNotFound);
  // A new profile of the same id starts afresh: nothing of the old one comes back.
  core::Profile bare;
  bare.customer_id = "anna";
  ASSERT_TRUE(store->MutateProfile("anna", this->Put(bare)).ok());
  EXPECT_TRUE(store->GetProfile("anna")->consents.empty());
  EXPECT_TRUE(store->GetProfile("anna")->suppressions.empty());
}

TYPED_TEST(CatalogConformance, ProfilesAreListedInIdOrderAndReadManyAtOnce) {
  auto store = this->Open();
  for (const char* id : {"c", "a", "b", "d\"quote", "e,comma"}) {
    ASSERT_TRUE(store->MutateProfile(id, this->Put(Profile(id))).ok());
  }
  auto first = store->ListProfiles("", 2);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->items.size(), 2u);
  EXPECT_EQ(first->items[0].customer_id, "a");
  ASSERT_TRUE(first->next_after);
  auto rest = store->ListProfiles(*first->next_after, 10);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->items.size(), 3u);
  EXPECT_EQ(rest->items[2].customer_id, "e,comma");
  EXPECT_FALSE(rest->next_after);

  auto has = store->HasProfiles({"b", "zz", "d\"quote", "e,comma"});
  ASSERT_TRUE(has.ok()) << has.status();
  EXPECT_THAT(*has, ::testing::ElementsAre(true, false, true, true));
  auto many = store->GetProfiles({"zz", "e,comma", "a"});
  ASSERT_TRUE(many.ok()) << many.status();
  ASSERT_EQ(many->size(), 3u);
  EXPECT_FALSE((*many)[0]);
  EXPECT_EQ(*(*many)[1], Profile("e,comma"));
  EXPECT_EQ(*(*many)[2], Profile("a"));
}

TYPED_TEST(CatalogConformance, TheActiveVersionIsWhatEventsUseAndTheCatalogVersionMoves) {
  auto store = this->Open();
  const int64_t before = *store->CatalogVersion();
  auto add = [&](const std::string& subject) {
    return store->AddTemplateVersion(
        "order-shipped",
        [&](const core::Template*) -> absl::StatusOr<std::optional<core::Template>> {
          return Template("order-shipped", subject);
        });
  };
  ASSERT_TRUE(add("first").ok());
  ASSERT_TRUE(add("second").ok());
  const int64_t after_adds = *store->CatalogVersion();
  EXPECT_GT(after_adds, before);
  auto active = store->ActivateTemplateVersion("order-shipped", 1);
  ASSERT_TRUE(active.ok()) << active.status();
  EXPECT_EQ(active->version, 1);
  EXPECT_GT(*store->CatalogVersion(), after_adds);
  EXPECT_EQ(store->GetTemplate("order-shipped", TemplateStore::kActiveVersion)->version, 1);
  EXPECT_EQ(store->GetTemplate("order-shipped", 0)->version, 2);
  auto for_type = store->ListTemplatesForEventType("order.delayed");
  ASSERT_TRUE(for_type.ok()) << for_type.status();
  ASSERT_EQ(for_type->size(), 1u);
  EXPECT_EQ((*for_type)[0].contents[0].email->subject, "first");
  EXPECT_TRUE(store->ListTemplatesForEventType("order")->empty());
  EXPECT_EQ(store->ActivateTemplateVersion("order-shipped", 9).status().code(),
            absl::StatusCode::kNotFound);
  auto listed = store->ListTemplates("", 10);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->items.size(), 1u);
  EXPECT_EQ(listed->items[0].version, 2);
  EXPECT_EQ(listed->items[0].active_version, 1);
}

TYPED_TEST(CatalogConformance, TwoWritersOfOneProfileBothCount) {
  auto store = this->Open();
  ASSERT_TRUE(store->MutateProfile("anna", this->Put(Profile("anna"))).ok());
  constexpr int kThreads = 4;
  constexpr int kEach = 25;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        auto added = store->MutateProfile(
            "anna", [](const core::Profile* current) -> absl::StatusOr<core::Profile> {
              core::Profile next = *current;
              next.display_name += "x";
              return next;
            });
        EXPECT_TRUE(added.ok()) << added.status();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(store->GetProfile("anna")->display_name, "Anna" + std::string(kThreads * kEach, 'x'));
}

TYPED_TEST(CatalogConformance, AChangeFromTheProfilesTopicReadAgainNeverUndoesALaterOne) {
  auto store = this->Open();
  auto name = [](std::string display) {
    return [display](const core::Profile* current) -> absl::StatusOr<core::Profile> {
      core::Profile p = current ? *current : Profile("anna");
      p.display_name = display;
      return p;
    };
  };
  ASSERT_EQ(Applied(store->MutateProfileFromTopic("anna", {3, 10}, name("from topic"))), "applied");
  // Then the API changes it; then offset 10 is read again (a rebalance, a restart).
  ASSERT_TRUE(store->MutateProfile("anna", name("from the API")).ok());
  EXPECT_EQ(Applied(store->MutateProfileFromTopic("anna", {3, 10}, name("from topic"))),
            "read before");
  EXPECT_EQ(store->GetProfile("anna")->display_name, "from the API");
  EXPECT_EQ(Applied(store->MutateProfileFromTopic("anna", {3, 11}, name("newer"))), "applied");
  EXPECT_EQ(store->GetProfile("anna")->display_name, "newer");

  // A tombstone at 12: what came before it, read again, does not bring the profile back.
  EXPECT_EQ(Applied(store->DeleteProfileFromTopic("anna", {3, 12})), "applied");
  EXPECT_EQ(Applied(store->MutateProfileFromTopic("anna", {3, 11}, name("newer"))), "read before");
  EXPECT_EQ(store->GetProfile("anna").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Applied(store->DeleteProfileFromTopic("anna", {3, 12})), "read before");
  // After a repartitioning positions cannot be compared: the change is applied.
  EXPECT_EQ(Applied(store->MutateProfileFromTopic("anna", {0, 1}, name("moved"))), "applied");
  EXPECT_EQ(store->GetProfile("anna")->display_name, "moved");
  // A change that fails stores nothing, not even its position: read again, it runs again.
  auto refused = store->MutateProfileFromTopic(
      "bert", {0, 5}, [](const core::Profile*) -> absl::StatusOr<core::Profile> {
        return absl::NotFoundError("no profile, and allow_missing is not set");
      });
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Applied(store->MutateProfileFromTopic("bert", {0, 5}, this->Put(Profile("bert")))),
            "applied");
}

}  // namespace
}  // namespace herald::store::testing
