#pragma once

#include <grpcpp/support/status.h>

#include <string_view>

#include "absl/status/status.h"

namespace herald::api {

/// absl and gRPC share the canonical codes, so the mapping is one to one.
inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

/// INVALID_ARGUMENT naming the request field that is wrong, e.g.
/// `profile.email: "x" is not an email address ...`.
absl::Status FieldError(std::string_view field, std::string_view problem);

/// Prefixes a validation error with the field it concerns; other errors pass through.
absl::Status InField(std::string_view field, const absl::Status& status);

}  // namespace herald::api
