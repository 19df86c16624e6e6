#pragma once

#include "herald/v1/profile_service.grpc.pb.h"
#include "services/api/rpc_runner.h"
#include "services/core/clock.h"
#include "services/store/store.h"

namespace herald::api {

/// herald.v1.ProfileService over a ProfileStore.
class ProfileService final : public v1::ProfileService::CallbackService {
 public:
  ProfileService(store::ProfileStore& store, const core::Clock& clock, RpcRunner& runner)
      : store_(store), clock_(clock), runner_(runner) {}

  grpc::ServerUnaryReactor* CreateProfile(grpc::CallbackServerContext* context,
                                          const v1::CreateProfileRequest* request,
                                          v1::CreateProfileResponse* response) override;
  grpc::ServerUnaryReactor* GetProfile(grpc::CallbackServerContext* context,
                                       const v1::GetProfileRequest* request,
                                       v1::GetProfileResponse* response) override;
  grpc::ServerUnaryReactor* ListProfiles(grpc::CallbackServerContext* context,
                                         const v1::ListProfilesRequest* request,
                                         v1::ListProfilesResponse* response) override;
  grpc::ServerUnaryReactor* UpdateProfile(grpc::CallbackServerContext* context,
                                          const v1::UpdateProfileRequest* request,
                                          v1::UpdateProfileResponse* response) override;
  grpc::ServerUnaryReactor* DeleteProfile(grpc::CallbackServerContext* context,
                                          const v1::DeleteProfileRequest* request,
                                          v1::DeleteProfileResponse* response) override;

 private:
  absl::Status Create(const v1::CreateProfileRequest& request, v1::CreateProfileResponse& response);
  absl::Status Get(const v1::GetProfileRequest& request, v1::GetProfileResponse& response);
  absl::Status List(const v1::ListProfilesRequest& request, v1::ListProfilesResponse& response);
  absl::Status Update(const v1::UpdateProfileRequest& request, v1::UpdateProfileResponse& response);
  absl::Status Delete(const v1::DeleteProfileRequest& request);

  store::ProfileStore& store_;
  const core::Clock& clock_;
  RpcRunner& runner_;
};

}  // namespace herald::api
