#include "services/core/ownership.h"

#include <algorithm>
#include <cstring>

namespace herald::core {

int32_t KeyHash(std::string_view key) {
  // MurmurHash2, 32 bits, with the seed and little-endian reading Kafka uses.
  constexpr uint32_t kSeed = 0x9747b28c;
  constexpr uint32_t kM = 0x5bd1e995;
  constexpr int kR = 24;
  const auto* bytes = reinterpret_cast<const unsigned char*>(key.data());
  const size_t length = key.size();
  uint32_t h = kSeed ^ static_cast<uint32_t>(length);
  size_t i = 0;
  for (; i + 4 <= length; i += 4) {
    uint32_t k = static_cast<uint32_t>(bytes[i]) | static_cast<uint32_t>(bytes[i + 1]) << 8 |
                 static_cast<uint32_t>(bytes[i + 2]) << 16 |
                 static_cast<uint32_t>(bytes[i + 3]) << 24;
    k *= kM;
    k ^= k >> kR;
    k *= kM;
    h *= kM;
    h ^= k;
  }
  switch (length - i) {
    case 3:
      h ^= static_cast<uint32_t>(bytes[i + 2]) << 16;
      [[fallthrough]];
    case 2:
      h ^= static_cast<uint32_t>(bytes[i + 1]) << 8;
      [[fallthrough]];
    case 1:
      h ^= static_cast<uint32_t>(bytes[i]);
      h *= kM;
      break;
    default:
      break;
  }
  h ^= h >> 13;
  h *= kM;
  h ^= h >> 15;
  return static_cast<int32_t>(h & 0x7fffffff);
}

bool OwnedPartitions::Owns(std::string_view customer_id) const {
  if (count <= 0) return false;
  return std::binary_search(partitions.begin(), partitions.end(), KeyHash(customer_id) % count);
}

}  // namespace herald::core
