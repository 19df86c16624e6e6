#include "services/core/ownership.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <string>

namespace herald::core {
namespace {

// A customer is owned where Kafka's default partitioner puts its key, so the instance
// that reads a customer's events is the one that releases their deferrals.
TEST(OwnershipTest, KeysLandWhereKafkasMurmur2PartitionerPutsThem) {
  for (int32_t count : {1, 2, 3, 6, 7, 12, 64}) {
    for (int i = 0; i < 2000; ++i) {
      // Lengths 0..3 past a multiple of four: every tail of the hash.
      const std::string key = (i % 3 == 0 ? "c" : "customer-é-") + std::to_string(i * 7919);
      const int32_t kafka = rd_kafka_msg_partitioner_murmur2(nullptr, key.data(), key.size(), count,
                                                             nullptr, nullptr);
      ASSERT_EQ(KeyHash(key) % count, kafka) << key << " of " << count;
    }
  }
  EXPECT_EQ(KeyHash(""),
            rd_kafka_msg_partitioner_murmur2(nullptr, "", 0, 0x7fffffff, nullptr, nullptr));
}

TEST(OwnershipTest, AnInstanceOwnsTheCustomersOfItsPartitionsAndNoneWhileItHasNone) {
  const OwnedPartitions mine{.count = 6, .partitions = {1, 4}};
  int owned = 0;
  for (int i = 0; i < 600; ++i) {
    const std::string customer = "c" + std::to_string(i);
    const int partition = KeyHash(customer) % 6;
    EXPECT_EQ(mine.Owns(customer), partition == 1 || partition == 4) << customer;
    owned += mine.Owns(customer) ? 1 : 0;
  }
  EXPECT_GT(owned, 100);
  EXPECT_LT(owned, 300);
  EXPECT_FALSE(OwnedPartitions{}.Owns("c1"));  // nothing assigned yet
}

}  // namespace
}  // namespace herald::core
