#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

#include <string_view>

#include "absl/status/statusor.h"
#include "services/api/auth/authenticator.h"
#include "services/api/auth/caller.h"

namespace herald::api::auth {

/// Every API call passes here first: who is calling (UNAUTHENTICATED if that cannot be
/// established) and whether one of their roles may call the method (PERMISSION_DENIED
/// if not). Each refusal is counted by method and reason and logged once per call.
class Gate {
 public:
  Gate(const Authenticator& authenticator, prometheus::Registry& registry);

  /// `method` is "Service.Method". Blocks on the store: call it off gRPC's threads.
  absl::StatusOr<Caller> Admit(const Credentials& credentials, std::string_view method);

 private:
  void Count(std::string_view method, Refusal reason);

  const Authenticator& authenticator_;
  prometheus::Family<prometheus::Counter>& refused_;
};

}  // namespace herald::api::auth
