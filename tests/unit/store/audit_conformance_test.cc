// The conformance suite's audit trail: one chain, in the order written, every record
// linked to the one before, listed by filter, and never changed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/fake_clock.h"
#include "tests/unit/store/store_kinds.h"

namespace herald::store::testing {
namespace {

using herald::testing::TestEpoch;

core::AuditRecord Change(const std::string& principal, const std::string& method,
                         const std::string& resource, int minute) {
  return {.time = TestEpoch() + std::chrono::minutes(minute),
          .principal = principal,
          .method = method,
          .resource = resource,
          .before_sha256 = "",
          .after_sha256 = core::Sha256Hex(resource)};
}

template <typename Kind>
class AuditConformance : public ::testing::Test {
 protected:
  Kind kind_;
};

TYPED_TEST_SUITE(AuditConformance, StoreKinds, StoreKindNames);

TYPED_TEST(AuditConformance, RecordsFormOneChainInTheOrderWritten) {
  auto store = this->kind_.Open({});
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<core::AuditRecord> appended = store->AppendAudit(Change(
        "api-key:a", "TemplateService.UpdateTemplate", "templates/t" + std::to_string(i), i));
    ASSERT_TRUE(appended.ok()) << appended.status();
    EXPECT_EQ(appended->sequence, i + 1);
    EXPECT_EQ(appended->hash, core::AuditHash(*appended));
  }
  absl::StatusOr<Page<core::AuditRecord>> all = store->ListAudit({}, 0, 100);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->items.size(), 3u);
  EXPECT_EQ(all->items[0].prev_hash, "");
  EXPECT_EQ(all->items[1].prev_hash, all->items[0].hash);
  EXPECT_EQ(core::FirstBrokenAuditRecord(all->items, ""), std::nullopt);

  // Edited in a copy: the chain says where.
  std::vector<core::AuditRecord> edited = all->items;
  edited[1].principal = "api-key:b";
  EXPECT_EQ(core::FirstBrokenAuditRecord(edited, ""), 2);
  edited = all->items;
  edited.erase(edited.begin() + 1);  // one removed
  EXPECT_EQ(core::FirstBrokenAuditRecord(edited, ""), 3);
}

TYPED_TEST(AuditConformance, RecordsAreListedByFilterAndPage) {
  auto store = this->kind_.Open({});
  ASSERT_TRUE(
      store->AppendAudit(Change("api-key:a", "ProfileService.UpdateProfile", "profiles/anna", 0))
          .ok());
  ASSERT_TRUE(
      store->AppendAudit(Change("jwt:jan", "TemplateService.UpdateTemplate", "templates/t", 1))
          .ok());
  ASSERT_TRUE(
      store->AppendAudit(Change("api-key:a", "ProfileService.DeleteProfile", "profiles/anna", 2))
          .ok());
  absl::StatusOr<Page<core::AuditRecord>> anna =
      store->ListAudit({.resource = "profiles/anna"}, 0, 100);
  ASSERT_TRUE(anna.ok()) << anna.status();
  ASSERT_EQ(anna->items.size(), 2u);
  EXPECT_EQ(anna->items[1].method, "ProfileService.DeleteProfile");
  EXPECT_EQ(store->ListAudit({.principal = "jwt:jan"}, 0, 100)->items.size(), 1u);
  EXPECT_EQ(
      store->ListAudit({.since = TestEpoch() + std::chrono::minutes(1)}, 0, 100)->items.size(), 2u);
  EXPECT_EQ(
      store->ListAudit({.until = TestEpoch() + std::chrono::minutes(1)}, 0, 100)->items.size(), 1u);
  absl::StatusOr<Page<core::AuditRecord>> first = store->ListAudit({}, 0, 2);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first->next_after.has_value());
  absl::StatusOr<Page<core::AuditRecord>> second =
      store->ListAudit({}, std::stoll(*first->next_after), 2);
  ASSERT_EQ(second->items.size(), 1u);
  EXPECT_EQ(second->items[0].sequence, 3);
}

}  // namespace
}  // namespace herald::store::testing
