#pragma once

#include "herald/v1/key_service.grpc.pb.h"
#include "services/api/rpc_runner.h"
#include "services/core/clock.h"
#include "services/store/api_key_store.h"

namespace herald::api {

/// herald.v1.KeyService: API keys, for admins; and who is calling, for every caller.
class KeyService final : public v1::KeyService::CallbackService {
 public:
  KeyService(store::ApiKeyStore& store, const core::Clock& clock, RpcRunner& runner)
      : store_(store), clock_(clock), runner_(runner) {}

  grpc::ServerUnaryReactor* CreateApiKey(grpc::CallbackServerContext* context,
                                         const v1::CreateApiKeyRequest* request,
                                         v1::CreateApiKeyResponse* response) override;
  grpc::ServerUnaryReactor* ListApiKeys(grpc::CallbackServerContext* context,
                                        const v1::ListApiKeysRequest* request,
                                        v1::ListApiKeysResponse* response) override;
  grpc::ServerUnaryReactor* RevokeApiKey(grpc::CallbackServerContext* context,
                                         const v1::RevokeApiKeyRequest* request,
                                         v1::RevokeApiKeyResponse* response) override;
  grpc::ServerUnaryReactor* GetCaller(grpc::CallbackServerContext* context,
                                      const v1::GetCallerRequest* request,
                                      v1::GetCallerResponse* response) override;

 private:
  absl::Status Create(const auth::Caller& caller, const v1::CreateApiKeyRequest& request,
                      v1::CreateApiKeyResponse& response);
  absl::Status List(const v1::ListApiKeysRequest& request, v1::ListApiKeysResponse& response);
  absl::Status Revoke(const auth::Caller& caller, const v1::RevokeApiKeyRequest& request,
                      v1::RevokeApiKeyResponse& response);

  store::ApiKeyStore& store_;
  const core::Clock& clock_;
  RpcRunner& runner_;
};

/// The API's view of a stored key.
v1::ApiKey ApiKeyToProto(const core::ApiKey& key);
v1::Role RoleToProto(core::Role role);

}  // namespace herald::api
