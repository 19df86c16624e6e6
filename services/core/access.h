#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/core/clock.h"

namespace herald::core {

/// What a caller of the API may do. Least privilege: each role covers one kind of user;
/// admin covers every role and manages keys.
enum class Role {
  kProducer,  // publishes events and profile changes (backend systems)
  kEditor,    // templates and snippets (marketing and service teams)
  kOperator,  // the delivery log, explain, watch, operator actions
  kViewer,    // reads everything, with contact data masked
  kPrivacy,   // erases and exports customers
  kAdmin,     // everything, and API keys
};

std::string_view Name(Role role);  // "producer", ...
std::optional<Role> ParseRole(std::string_view name);
/// Every role, in declaration order.
const std::vector<Role>& AllRoles();

/// A set of roles (a JWT may carry several).
class RoleSet {
 public:
  RoleSet() = default;
  RoleSet(std::initializer_list<Role> roles) {
    for (Role r : roles) Add(r);
  }
  void Add(Role role) { bits_ |= Bit(role); }
  bool Has(Role role) const { return (bits_ & Bit(role)) != 0; }
  bool empty() const { return bits_ == 0; }
  bool Intersects(const RoleSet& other) const { return (bits_ & other.bits_) != 0; }
  /// "editor,viewer", in declaration order; "none" when empty.
  std::string ToString() const;

 private:
  static uint32_t Bit(Role role) { return 1u << static_cast<int>(role); }
  uint32_t bits_ = 0;
};

/// An API key as stored: never its secret, only the secret's SHA-256.
struct ApiKey {
  std::string id = {};  // public half of the token; names the key in logs and the audit trail
  std::string name = {};
  Role role = Role::kViewer;
  std::string secret_sha256 = {};  // lowercase hex
  std::string created_by = {};     // the caller that created it
  Time create_time = {};
  std::optional<Time> expire_time = {};
  std::optional<Time> revoke_time = {};
};

}  // namespace herald::core
