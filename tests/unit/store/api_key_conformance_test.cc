// The conformance suite's API keys: stored with the hash of their secret only, listed in
// pages, revoked once and never deleted.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/fake_clock.h"
#include "tests/unit/store/store_kinds.h"

namespace herald::store::testing {
namespace {

using herald::testing::TestEpoch;

core::ApiKey Key(std::string id, core::Role role) {
  return core::ApiKey{.id = std::move(id),
                      .name = "orders-service",
                      .role = role,
                      .secret_sha256 = std::string(64, 'a'),
                      .created_by = "api-key:admin",
                      .create_time = TestEpoch()};
}

template <typename Kind>
class ApiKeyConformance : public ::testing::Test {
 protected:
  Kind kind_;
};

TYPED_TEST_SUITE(ApiKeyConformance, StoreKinds, StoreKindNames);

TYPED_TEST(ApiKeyConformance, AKeyIsStoredAsGivenAndItsIdIsNeverTakenTwice) {
  auto store = this->kind_.Open({});
  core::ApiKey key = Key("aaaaaaaaaaaaaaaa", core::Role::kProducer);
  key.expire_time = TestEpoch() + std::chrono::hours(24);
  ASSERT_TRUE(store->CreateApiKey(key).ok());
  absl::StatusOr<core::ApiKey> read = store->GetApiKey(key.id);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->name, "orders-service");
  EXPECT_EQ(read->role, core::Role::kProducer);
  EXPECT_EQ(read->secret_sha256, key.secret_sha256);
  EXPECT_EQ(read->created_by, "api-key:admin");
  EXPECT_EQ(read->create_time, TestEpoch());
  EXPECT_EQ(read->expire_time, key.expire_time);
  EXPECT_FALSE(read->revoke_time.has_value());

  EXPECT_TRUE(absl::IsAlreadyExists(store->CreateApiKey(Key(key.id, core::Role::kAdmin))));
  EXPECT_EQ(store->GetApiKey(key.id)->role, core::Role::kProducer) << "the first stays";
  EXPECT_TRUE(absl::IsNotFound(store->GetApiKey("bbbbbbbbbbbbbbbb").status()));
}

TYPED_TEST(ApiKeyConformance, RevokingKeepsTheKeyAndItsFirstRevocationTime) {
  auto store = this->kind_.Open({});
  ASSERT_TRUE(store->CreateApiKey(Key("aaaaaaaaaaaaaaaa", core::Role::kViewer)).ok());
  const core::Time first = TestEpoch() + std::chrono::hours(1);
  absl::StatusOr<core::ApiKey> revoked = store->RevokeApiKey("aaaaaaaaaaaaaaaa", first);
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_EQ(revoked->revoke_time, first);
  revoked = store->RevokeApiKey("aaaaaaaaaaaaaaaa", first + std::chrono::hours(1));
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_EQ(revoked->revoke_time, first) << "revoking again changes nothing";
  EXPECT_EQ(store->GetApiKey("aaaaaaaaaaaaaaaa")->revoke_time, first);
  EXPECT_TRUE(absl::IsNotFound(store->RevokeApiKey("cccccccccccccccc", first).status()));
}

TYPED_TEST(ApiKeyConformance, KeysAreListedInIdOrderPageByPage) {
  auto store = this->kind_.Open({});
  for (const char* id : {"cccccccccccccccc", "aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb"}) {
    ASSERT_TRUE(store->CreateApiKey(Key(id, core::Role::kEditor)).ok());
  }
  absl::StatusOr<Page<core::ApiKey>> page = store->ListApiKeys("", 2);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].id, "aaaaaaaaaaaaaaaa");
  EXPECT_EQ(page->items[1].id, "bbbbbbbbbbbbbbbb");
  ASSERT_TRUE(page->next_after.has_value());
  page = store->ListApiKeys(*page->next_after, 2);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].id, "cccccccccccccccc");
  EXPECT_FALSE(page->next_after.has_value());
}

}  // namespace
}  // namespace herald::store::testing
