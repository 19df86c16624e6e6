#include "services/api/profile_service.h"

#include "services/api/contact_masking.h"
#include "services/api/page_token.h"
#include "services/api/profile_mapping.h"
#include "services/api/profile_updates.h"
#include "services/api/status.h"
#include "services/core/erasure.h"
#include "services/core/strings.h"

namespace herald::api {
namespace {

constexpr char kListing[] = "profiles";

}  // namespace

grpc::ServerUnaryReactor* ProfileService::CreateProfile(grpc::CallbackServerContext* context,
                                                        const v1::CreateProfileRequest* request,
                                                        v1::CreateProfileResponse* response) {
  return runner_.Run(context, "ProfileService.CreateProfile", *request, *response,
                     [=, this](const auth::Caller&) { return Create(*request, *response); });
}

grpc::ServerUnaryReactor* ProfileService::GetProfile(grpc::CallbackServerContext* context,
                                                     const v1::GetProfileRequest* request,
                                                     v1::GetProfileResponse* response) {
  return runner_.Run(context, "ProfileService.GetProfile", [=, this](const auth::Caller& caller) {
    absl::Status done = Get(*request, *response);
    if (done.ok() && !caller.SeesContactData()) MaskForViewer(*response);
    return done;
  });
}

grpc::ServerUnaryReactor* ProfileService::ListProfiles(grpc::CallbackServerContext* context,
                                                       const v1::ListProfilesRequest* request,
                                                       v1::ListProfilesResponse* response) {
  return runner_.Run(context, "ProfileService.ListProfiles", [=, this](const auth::Caller& caller) {
    absl::Status done = List(*request, *response);
    if (done.ok() && !caller.SeesContactData()) MaskForViewer(*response);
    return done;
  });
}

grpc::ServerUnaryReactor* ProfileService::UpdateProfile(grpc::CallbackServerContext* context,
                                                        const v1::UpdateProfileRequest* request,
                                                        v1::UpdateProfileResponse* response) {
  return runner_.Run(context, "ProfileService.UpdateProfile", *request, *response,
                     [=, this](const auth::Caller&) { return Update(*request, *response); });
}

grpc::ServerUnaryReactor* ProfileService::DeleteProfile(grpc::CallbackServerContext* context,
                                                        const v1::DeleteProfileRequest* request,
                                                        v1::DeleteProfileResponse* response) {
  return runner_.Run(context, "ProfileService.DeleteProfile", *request, *response,
                     [=, this](const auth::Caller&) { return Delete(*request); });
}

absl::Status ProfileService::Create(const v1::CreateProfileRequest& request,
                                    v1::CreateProfileResponse& response) {
  if (!request.has_profile()) return FieldError("profile", "must be set");
  const core::Time now = clock_.Now();
  absl::StatusOr<core::Profile> candidate =
      ProfileFromProto(request.profile(), "profile", now, nullptr);
  if (!candidate.ok()) return candidate.status();
  if (core::ErasedAt(*candidate)) {
    return FieldError("profile.suppressions",
                      "reason ERASED is set only by PrivacyService.EraseCustomer");
  }
  absl::StatusOr<core::Profile> stored = store_.MutateProfile(
      candidate->customer_id, [&](const core::Profile* current) -> absl::StatusOr<core::Profile> {
        if (current != nullptr && core::ErasedAt(*current)) {
          return absl::FailedPreconditionError(core::StrCat(
              "customer \"", current->customer_id,
              "\" was erased on request; their profile comes back only through the profiles "
              "topic, with contact data and a consent granted since"));
        }
        if (current != nullptr) {
          return absl::AlreadyExistsError(
              core::StrCat("profile \"", current->customer_id, "\" already exists"));
        }
        return *candidate;
      });
  if (!stored.ok()) return stored.status();
  *response.mutable_profile() = ProfileToProto(*stored);
  return absl::OkStatus();
}

absl::Status ProfileService::Get(const v1::GetProfileRequest& request,
                                 v1::GetProfileResponse& response) {
  absl::Status valid = ValidateCustomerId(request.customer_id(), "customer_id");
  if (!valid.ok()) return valid;
  absl::StatusOr<core::Profile> profile = store_.GetProfile(request.customer_id());
  if (!profile.ok()) return profile.status();
  *response.mutable_profile() = ProfileToProto(*profile);
  return absl::OkStatus();
}

absl::Status ProfileService::List(const v1::ListProfilesRequest& request,
                                  v1::ListProfilesResponse& response) {
  absl::StatusOr<int> size = EffectivePageSize(request.page_size());
  if (!size.ok()) return size.status();
  absl::StatusOr<std::string> after = DecodePageToken(kListing, request.page_token());
  if (!after.ok()) return after.status();
  auto page = store_.ListProfiles(*after, *size);
  if (!page.ok()) return page.status();
  for (const core::Profile& p : page->items) *response.add_profiles() = ProfileToProto(p);
  if (page->next_after) response.set_next_page_token(EncodePageToken(kListing, *page->next_after));
  return absl::OkStatus();
}

absl::Status ProfileService::Update(const v1::UpdateProfileRequest& request,
                                    v1::UpdateProfileResponse& response) {
  absl::StatusOr<core::Profile> stored = ApplyProfileUpdate(store_, clock_.Now(), request);
  if (!stored.ok()) return stored.status();
  *response.mutable_profile() = ProfileToProto(*stored);
  return absl::OkStatus();
}

absl::Status ProfileService::Delete(const v1::DeleteProfileRequest& request) {
  absl::Status valid = ValidateCustomerId(request.customer_id(), "customer_id");
  if (!valid.ok()) return valid;
  absl::StatusOr<core::Profile> current = store_.GetProfile(request.customer_id());
  if (current.ok() && core::ErasedAt(*current)) {
    // All that is left of an erased customer is what keeps them uncontacted.
    return absl::OkStatus();
  }
  absl::Status deleted = store_.DeleteProfile(request.customer_id());
  if (absl::IsNotFound(deleted) && request.allow_missing()) return absl::OkStatus();
  return deleted;
}

}  // namespace herald::api
