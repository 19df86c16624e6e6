#include "services/api/profile_updates.h"

#include "services/api/profile_mapping.h"
#include "services/api/status.h"
#include "services/api/update_mask.h"
#include "services/core/strings.h"

namespace herald::api {

absl::StatusOr<core::Profile> ApplyProfileUpdate(store::ProfileStore& store, core::Time now,
                                                 const v1::UpdateProfileRequest& request) {
  if (!request.has_profile()) return FieldError("profile", "must be set");
  const std::string& id = request.profile().customer_id();
  absl::Status valid = ValidateCustomerId(id, "profile.customer_id");
  if (!valid.ok()) return valid;
  return store.MutateProfile(
      id, [&](const core::Profile* current) -> absl::StatusOr<core::Profile> {
        if (current == nullptr && !request.allow_missing()) {
          return absl::NotFoundError(
              core::StrCat("profile \"", id, "\" not found (set allow_missing to create it)"));
        }
        v1::CustomerProfile merged;
        if (current != nullptr) merged = ProfileToProto(*current);
        merged.set_customer_id(id);
        absl::Status applied =
            ApplyUpdateMask(request.profile(), request.update_mask(),
                            {"customer_id", "create_time", "update_time"}, merged);
        if (!applied.ok()) return applied;
        return ProfileFromProto(merged, "profile", now, current);
      });
}

}  // namespace herald::api
