#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/core/kinds.h"

namespace herald::core {

/// What an unsubscribe link stands for: this customer no longer wants this category on
/// this channel.
struct UnsubscribeClaim {
  std::string customer_id = {};
  Category category = Category::kInformational;
  Channel channel = Channel::kEmail;

  bool operator==(const UnsubscribeClaim&) const = default;
};

/// Unsubscribe links' tokens: the claim signed (SignToken) under a key only heraldd
/// holds. Unguessable (unlike a notification id), and readable without a lookup. They
/// do not expire: an old email must still unsubscribe.
class UnsubscribeTokens {
 public:
  explicit UnsubscribeTokens(std::string key) : key_(std::move(key)) {}

  std::string Issue(const UnsubscribeClaim& claim) const;
  /// INVALID_ARGUMENT for a token of the wrong shape, PERMISSION_DENIED for one whose
  /// signature does not match (forged or changed).
  absl::StatusOr<UnsubscribeClaim> Read(std::string_view token) const;

 private:
  std::string key_;
};

}  // namespace herald::core
