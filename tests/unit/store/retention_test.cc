// The retention job over a real store: content first, records later, in batches, counted.
#include "services/store/retention.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "services/store/sqlite/sqlite_store.h"
#include "tests/support/fake_clock.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/store/store_test_data.h"

namespace herald::store::testing {
namespace {

constexpr auto kDay = std::chrono::hours(24);

class RetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = sqlite::SqliteStore::Open({.path = dir_.File("herald.db")});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    std::vector<IntakeItem> items;
    for (int i = 0; i < 5; ++i) {
      items.push_back(Item("e-" + std::to_string(i), "c" + std::to_string(i),
                           core::NotificationState::kSuppressed));
    }
    // One a year later than the rest.
    items.back().notifications[0].create_time += 365 * kDay;
    ASSERT_TRUE(store_->RecordIntake(items).ok());
  }

  double Removed(const std::string& what) {
    for (const prometheus::MetricFamily& family : registry_.Collect()) {
      if (family.name != "herald_retention_removed_total") continue;
      for (const prometheus::ClientMetric& m : family.metric) {
        for (const prometheus::ClientMetric::Label& label : m.label) {
          if (label.name == "what" && label.value == what) return m.counter.value;
        }
      }
    }
    return -1;
  }

  herald::testing::TempDir dir_;
  herald::testing::FakeClock clock_{TestEpoch()};
  prometheus::Registry registry_;
  std::unique_ptr<sqlite::SqliteStore> store_;
};

TEST_F(RetentionTest, ContentGoesAfterItsAgeAndRecordsAfterTheirsInSmallBatches) {
  Retention retention(*store_, clock_,
                      {.content_after = 90 * kDay,
                       .records_after = 400 * kDay,
                       .batch_size = 2,
                       .interval = std::chrono::minutes(1)},
                      registry_);
  // Nothing is old enough yet.
  EXPECT_EQ(retention.RunOnce(), std::chrono::minutes(1));
  EXPECT_EQ(Removed("content"), 0);

  clock_.Set(TestEpoch() + 100 * kDay);
  EXPECT_EQ(retention.RunOnce(), std::chrono::minutes(1));  // three batches: 2, 2, 0
  EXPECT_EQ(Removed("content"), 4);
  EXPECT_TRUE(store_->GetNotification("n-e-0")->content_purge.has_value());
  EXPECT_FALSE(store_->GetNotification("n-e-4")->content_purge.has_value());
  EXPECT_EQ(Removed("notification"), 0);

  clock_.Set(TestEpoch() + 460 * kDay);
  retention.RunOnce();
  EXPECT_EQ(Removed("notification"), 4);
  EXPECT_EQ(store_->GetNotification("n-e-0").status().code(), absl::StatusCode::kNotFound);
  // The younger one's content went now, its record stays.
  auto young = store_->GetNotification("n-e-4");
  ASSERT_TRUE(young.ok()) << young.status();
  EXPECT_TRUE(young->content_purge.has_value());
}

}  // namespace
}  // namespace herald::store::testing
