#include "services/ingest/partition_ownership.h"

#include <algorithm>

namespace herald::ingest {

void PartitionOwnership::Assigned(const std::vector<int>& partitions) {
  std::lock_guard lock(mu_);
  std::vector<int>& mine = owned_.partitions;
  mine.insert(mine.end(), partitions.begin(), partitions.end());
  std::sort(mine.begin(), mine.end());
  mine.erase(std::unique(mine.begin(), mine.end()), mine.end());
}

void PartitionOwnership::Revoked(const std::vector<int>& partitions) {
  std::lock_guard lock(mu_);
  std::vector<int>& mine = owned_.partitions;
  mine.erase(std::remove_if(mine.begin(), mine.end(),
                            [&](int p) {
                              return std::find(partitions.begin(), partitions.end(), p) !=
                                     partitions.end();
                            }),
             mine.end());
}

void PartitionOwnership::SetCount(int count) {
  std::lock_guard lock(mu_);
  owned_.count = count;
}

bool PartitionOwnership::CountStale() const {
  std::lock_guard lock(mu_);
  return owned_.count <= 0 ||
         (!owned_.partitions.empty() && owned_.partitions.back() >= owned_.count);
}

int PartitionOwnership::count() const {
  std::lock_guard lock(mu_);
  return owned_.count;
}

std::optional<core::OwnedPartitions> PartitionOwnership::Owned() const {
  std::lock_guard lock(mu_);
  return owned_;
}

}  // namespace herald::ingest
