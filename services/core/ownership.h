#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace herald::core {

/// The hash by which Kafka's default partitioner places a key (murmur2, as the Java
/// client and librdkafka's murmur2 partitioners compute it), made non-negative: a key's
/// partition of `n` is KeyHash(key) % n.
int32_t KeyHash(std::string_view key);

/// The customers an instance owns now: those whose id, as a message key, falls into
/// one of the partitions of the events topics assigned to it (the topics are
/// co-partitioned, so one topic's assignment stands for all).
struct OwnedPartitions {
  /// Partitions of the topic; 0 while unknown (then nothing is owned).
  int count = 0;
  /// Assigned to this instance, ascending.
  std::vector<int> partitions = {};

  bool Owns(std::string_view customer_id) const;
};

/// Which customers this instance owns, as the consumer group last assigned them.
class Ownership {
 public:
  virtual ~Ownership() = default;
  /// nullopt: every customer (a single instance, as on SQLite).
  virtual std::optional<OwnedPartitions> Owned() const = 0;
};

}  // namespace herald::core
