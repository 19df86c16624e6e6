#pragma once

#include "absl/status/statusor.h"
#include "herald/v1/profile_service.pb.h"
#include "services/core/clock.h"
#include "services/core/profile.h"
#include "services/store/store.h"

namespace herald::api {

/// Applies an UpdateProfileRequest (field mask, allow_missing) to the stored profile,
/// validating the result; the one implementation behind ProfileService.UpdateProfile
/// and the profiles topic. INVALID_ARGUMENT names the field; NOT_FOUND when the
/// profile is missing and allow_missing is false.
absl::StatusOr<core::Profile> ApplyProfileUpdate(store::ProfileStore& store, core::Time now,
                                                 const v1::UpdateProfileRequest& request);

/// The same for a change read from the profiles topic at `at`: applied once (see
/// ProfileStore::MutateProfileFromTopic); whether it was.
absl::StatusOr<bool> ApplyProfileUpdateFromTopic(store::ProfileStore& store, core::Time now,
                                                 const v1::UpdateProfileRequest& request,
                                                 const store::TopicPosition& at);

/// A tombstone read from the profiles topic at `at`: deletes the profile once, except
/// an erased customer's, whose erasure marker stays. Whether it was applied.
absl::StatusOr<bool> ApplyProfileDeletionFromTopic(store::ProfileStore& store,
                                                   std::string_view customer_id,
                                                   const store::TopicPosition& at);

}  // namespace herald::api
