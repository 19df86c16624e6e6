#pragma once

#include <google/protobuf/message.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/api/auth/caller.h"
#include "services/core/clock.h"
#include "services/store/store.h"

namespace herald::api {

/// What an audited method changes: the kind of resource, and where its id is in the
/// request (or, for an id the server makes, in the response).
struct AuditedMethod {
  std::string_view kind = {};  // "profiles", "templates", "snippets", "api-keys"
  std::string_view request_field = {};
  std::string_view response_field = {};
};

/// nullptr for a method that changes nothing.
const AuditedMethod* AuditedMethodFor(std::string_view method);

/// A string field by its path ("profile.customer_id"); empty when absent.
std::string FieldText(const google::protobuf::Message& message, std::string_view path);

/// Records the changes made through the API (the runner calls it around each audited
/// method): the caller, the method, "kind/id", and SHA-256 digests of the resource as
/// the API shows it before and after.
class AuditTrail {
 public:
  AuditTrail(store::Store& store, const core::Clock& clock, prometheus::Registry& registry);

  /// The digest of a resource's state now; "" when there is none.
  absl::StatusOr<std::string> Digest(std::string_view kind, const std::string& id);
  absl::Status Record(const auth::Caller& caller, std::string_view method, std::string resource,
                      std::string before, std::string after);
  /// Counted and logged when a change could not be recorded.
  void Failed(std::string_view method, const absl::Status& status);

 private:
  store::Store& store_;
  const core::Clock& clock_;
  prometheus::Counter& recorded_;
  prometheus::Counter& failed_;
};

}  // namespace herald::api
