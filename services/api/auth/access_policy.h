#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "services/api/auth/caller.h"
#include "services/core/access.h"

namespace herald::api::auth {

/// Which roles may call a method ("Service.Method", e.g. "TemplateService.UpdateTemplate").
/// Admin may call every method. nullptr for a method the policy does not know: only an
/// admin may call it, and heraldd refuses to start with one registered.
const core::RoleSet* RolesFor(std::string_view method);

/// Every method the policy knows, in table order.
std::vector<std::string> PolicyMethods();

/// OK when one of the caller's roles may call the method; else PERMISSION_DENIED saying
/// which roles could.
absl::Status Authorize(const Caller& caller, std::string_view method);

}  // namespace herald::api::auth
