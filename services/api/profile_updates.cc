#include "services/api/profile_updates.h"

#include <algorithm>

#include "services/api/profile_mapping.h"
#include "services/api/status.h"
#include "services/api/update_mask.h"
#include "services/core/erasure.h"
#include "services/core/strings.h"

namespace herald::api {

namespace {

absl::Status CheckRequest(const v1::UpdateProfileRequest& request) {
  if (!request.has_profile()) return FieldError("profile", "must be set");
  return ValidateCustomerId(request.profile().customer_id(), "profile.customer_id");
}

// An erased customer's profile stays erased (their data does not come back) unless a
// change from the profiles topic brings contact data and a new consent.
absl::StatusOr<core::Profile> GuardErasure(const core::Profile* current, core::Profile next,
                                           bool from_topic) {
  const std::optional<core::Time> erased =
      current != nullptr ? core::ErasedAt(*current) : std::nullopt;
  auto is_erasure = [](const core::Suppression& s) {
    return s.reason == core::SuppressionReason::kErased;
  };
  if (!erased) {
    if (std::any_of(next.suppressions.begin(), next.suppressions.end(), is_erasure)) {
      return FieldError("profile.suppressions",
                        "reason ERASED is set only by PrivacyService.EraseCustomer");
    }
    return next;
  }
  if (from_topic && core::LiftsErasure(*current, next)) {
    std::erase_if(next.suppressions, is_erasure);
    return next;
  }
  return absl::FailedPreconditionError(core::StrCat(
      "customer \"", current->customer_id, "\" was erased on request at ",
      core::FormatTime(*erased),
      "; their profile comes back only through the profiles topic, with an email address or "
      "phone number and a consent granted since"));
}

store::ProfileStore::ProfileMutation Mutation(const v1::UpdateProfileRequest& request,
                                              core::Time now, bool from_topic) {
  return [&request, now,
          from_topic](const core::Profile* current) -> absl::StatusOr<core::Profile> {
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
    absl::StatusOr<core::Profile> next = ProfileFromProto(merged, "profile", now, current);
    if (!next.ok()) return next.status();
    return GuardErasure(current, *std::move(next), from_topic);
  };
}

}  // namespace

absl::StatusOr<core::Profile> ApplyProfileUpdate(store::ProfileStore& store, core::Time now,
                                                 const v1::UpdateProfileRequest& request) {
  if (absl::Status valid = CheckRequest(request); !valid.ok()) return valid;
  return store.MutateProfile(request.profile().customer_id(), Mutation(request, now, false));
}

absl::StatusOr<bool> ApplyProfileUpdateFromTopic(store::ProfileStore& store, core::Time now,
                                                 const v1::UpdateProfileRequest& request,
                                                 const store::TopicPosition& at) {
  if (absl::Status valid = CheckRequest(request); !valid.ok()) return valid;
  return store.MutateProfileFromTopic(request.profile().customer_id(), at,
                                      Mutation(request, now, true));
}

absl::StatusOr<bool> ApplyProfileDeletionFromTopic(store::ProfileStore& store,
                                                   std::string_view customer_id,
                                                   const store::TopicPosition& at) {
  absl::StatusOr<core::Profile> current = store.GetProfile(customer_id);
  if (!current.ok() && !absl::IsNotFound(current.status())) return current.status();
  if (current.ok() && core::ErasedAt(*current)) {
    // What is left of an erased customer is the marker that keeps them uncontacted:
    // it stays, at this position.
    return store.MutateProfileFromTopic(
        customer_id, at, [](const core::Profile* p) -> absl::StatusOr<core::Profile> {
          if (p == nullptr) return absl::NotFoundError("the erased profile is gone");
          return *p;
        });
  }
  return store.DeleteProfileFromTopic(customer_id, at);
}

}  // namespace herald::api
