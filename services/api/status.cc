#include "services/api/status.h"

#include "services/core/strings.h"

namespace herald::api {

absl::Status FieldError(std::string_view field, std::string_view problem) {
  return absl::InvalidArgumentError(core::StrCat(field, ": ", problem));
}

absl::Status InField(std::string_view field, const absl::Status& status) {
  if (status.code() != absl::StatusCode::kInvalidArgument) return status;
  return FieldError(field, core::ToStd(status.message()));
}

}  // namespace herald::api
