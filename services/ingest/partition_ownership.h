#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "services/core/ownership.h"

namespace herald::ingest {

/// The customers this instance owns, from the consumer group's assignment of one events
/// topic (the events topics are co-partitioned, so it stands for all of them). Written
/// by the consumer's rebalances, read by any thread.
class PartitionOwnership final : public core::Ownership {
 public:
  explicit PartitionOwnership(std::string topic) : topic_(std::move(topic)) {}

  const std::string& topic() const { return topic_; }

  /// `partitions` of the topic are this instance's now (as well).
  void Assigned(const std::vector<int>& partitions);
  /// `partitions` are no longer this instance's.
  void Revoked(const std::vector<int>& partitions);
  /// How many partitions the topic has (from the cluster's metadata); 0 while unknown,
  /// when nothing is owned.
  void SetCount(int count);
  int count() const;
  /// Whether an assigned partition is past the count (the topic grew): the count must
  /// be read again.
  bool CountStale() const;

  std::optional<core::OwnedPartitions> Owned() const override;

 private:
  const std::string topic_;
  mutable std::mutex mu_;
  core::OwnedPartitions owned_;
};

}  // namespace herald::ingest
