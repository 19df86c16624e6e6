#include "services/api/auth/gate.h"

#include <spdlog/spdlog.h>

#include "services/api/auth/access_policy.h"
#include "services/core/strings.h"

namespace herald::api::auth {

Gate::Gate(const Authenticator& authenticator, prometheus::Registry& registry)
    : authenticator_(authenticator),
      refused_(prometheus::BuildCounter()
                   .Name("herald_auth_refused_total")
                   .Help("API calls refused before they ran, by method and reason (missing, "
                         "malformed, unknown_key, expired, revoked: UNAUTHENTICATED; forbidden: "
                         "PERMISSION_DENIED)")
                   .Register(registry)) {}

absl::StatusOr<Caller> Gate::Admit(const Credentials& credentials, std::string_view method) {
  std::variant<Caller, Refused> who = authenticator_.Authenticate(credentials);
  if (auto* refused = std::get_if<Refused>(&who)) {
    if (refused->status.code() == absl::StatusCode::kUnauthenticated) {
      Count(method, refused->reason);
      spdlog::info("msg=\"call refused\" method={} reason={} detail=\"{}\"", method,
                   Name(refused->reason), core::ToStd(refused->status.message()));
    }
    return refused->status;
  }
  Caller& caller = std::get<Caller>(who);
  absl::Status allowed = Authorize(caller, method);
  if (!allowed.ok()) {
    Count(method, Refusal::kForbidden);
    spdlog::info("msg=\"call refused\" method={} reason=forbidden caller={} detail=\"{}\"", method,
                 caller.Principal(), core::ToStd(allowed.message()));
    return allowed;
  }
  return std::move(caller);
}

void Gate::Count(std::string_view method, Refusal reason) {
  refused_.Add({{"method", std::string(method)}, {"reason", std::string(Name(reason))}})
      .Increment();
}

}  // namespace herald::api::auth
