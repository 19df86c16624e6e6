#include "services/api/profile_updates.h"

#include "services/api/profile_mapping.h"
#include "services/api/status.h"
#include "services/api/update_mask.h"
#include "services/core/strings.h"

namespace herald::api {

namespace {

absl::Status CheckRequest(const v1::UpdateProfileRequest& request) {
  if (!request.has_profile()) return FieldError("profile", "must be set");
  return ValidateCustomerId(request.profile().customer_id(), "profile.customer_id");
}

store::ProfileStore::ProfileMutation Mutation(const v1::UpdateProfileRequest& request,
                                              core::Time now) {
  return [&request, now](const core::Profile* current) -> absl::StatusOr<core::Profile> {
    const std::string& id = request.profile().customer_id();
    if (current == nullptr && !request.allow_missing()) {
      return absl::NotFoundError(
          core::StrCat("profile \"", id, "\" not found (set allow_missing to create it)"));
    }
    v1::CustomerProfile merged;
    if (current != nullptr) merged = ProfileToProto(*current);
    merged.set_customer_id(id);
    absl::Status applied = ApplyUpdateMask(request.profile(), request.update_mask(),
                                           {"customer_id", "create_time", "update_time"}, merged);
    if (!applied.ok()) return applied;
    return ProfileFromProto(merged, "profile", now, current);
  };
}

}  // namespace

absl::StatusOr<core::Profile> ApplyProfileUpdate(store::ProfileStore& store, core::Time now,
                                                 const v1::UpdateProfileRequest& request) {
  if (absl::Status valid = CheckRequest(request); !valid.ok()) return valid;
  return store.MutateProfile(request.profile().customer_id(), Mutation(request, now));
}

absl::StatusOr<bool> ApplyProfileUpdateFromTopic(store::ProfileStore& store, core::Time now,
                                                 const v1::UpdateProfileRequest& request,
                                                 const store::TopicPosition& at) {
  if (absl::Status valid = CheckRequest(request); !valid.ok()) return valid;
  return store.MutateProfileFromTopic(request.profile().customer_id(), at, Mutation(request, now));
}

}  // namespace herald::api
