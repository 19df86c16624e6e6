#include "services/core/access.h"

#include "services/core/name_table.h"

namespace herald::core {
namespace {

constexpr NameTable<Role, 6> kRoles = {{
    {Role::kProducer, "producer"},
    {Role::kEditor, "editor"},
    {Role::kOperator, "operator"},
    {Role::kViewer, "viewer"},
    {Role::kPrivacy, "privacy"},
    {Role::kAdmin, "admin"},
}};

}  // namespace

std::string_view Name(Role role) { return NameIn(kRoles, role); }
std::optional<Role> ParseRole(std::string_view name) { return ParseIn(kRoles, name); }

const std::vector<Role>& AllRoles() {
  static const std::vector<Role> kAll = [] {
    std::vector<Role> all;
    for (const auto& [role, name] : kRoles) all.push_back(role);
    return all;
  }();
  return kAll;
}

std::string RoleSet::ToString() const {
  std::string out;
  for (Role role : AllRoles()) {
    if (!Has(role)) continue;
    if (!out.empty()) out += ',';
    out += Name(role);
  }
  return out.empty() ? "none" : out;
}

}  // namespace herald::core
