#include "services/api/key_service.h"

#include <spdlog/spdlog.h>

#include "services/api/auth/access_policy.h"
#include "services/api/auth/api_key_token.h"
#include "services/api/page_token.h"
#include "services/api/status.h"
#include "services/api/time_mapping.h"
#include "services/core/strings.h"

namespace herald::api {
namespace {

constexpr char kListing[] = "api-keys";
constexpr size_t kMaxNameLength = 100;

std::optional<core::Role> RoleFromProto(v1::Role role) {
  switch (role) {
    case v1::ROLE_PRODUCER:
      return core::Role::kProducer;
    case v1::ROLE_EDITOR:
      return core::Role::kEditor;
    case v1::ROLE_OPERATOR:
      return core::Role::kOperator;
    case v1::ROLE_VIEWER:
      return core::Role::kViewer;
    case v1::ROLE_PRIVACY:
      return core::Role::kPrivacy;
    case v1::ROLE_ADMIN:
      return core::Role::kAdmin;
    default:
      return std::nullopt;
  }
}

}  // namespace

v1::Role RoleToProto(core::Role role) {
  switch (role) {
    case core::Role::kProducer:
      return v1::ROLE_PRODUCER;
    case core::Role::kEditor:
      return v1::ROLE_EDITOR;
    case core::Role::kOperator:
      return v1::ROLE_OPERATOR;
    case core::Role::kViewer:
      return v1::ROLE_VIEWER;
    case core::Role::kPrivacy:
      return v1::ROLE_PRIVACY;
    case core::Role::kAdmin:
      return v1::ROLE_ADMIN;
  }
  return v1::ROLE_UNSPECIFIED;
}

v1::ApiKey ApiKeyToProto(const core::ApiKey& key) {
  v1::ApiKey out;
  out.set_id(key.id);
  out.set_name(key.name);
  out.set_role(RoleToProto(key.role));
  *out.mutable_create_time() = ToProto(key.create_time);
  if (key.expire_time) *out.mutable_expire_time() = ToProto(*key.expire_time);
  if (key.revoke_time) *out.mutable_revoke_time() = ToProto(*key.revoke_time);
  out.set_created_by(key.created_by);
  return out;
}

grpc::ServerUnaryReactor* KeyService::CreateApiKey(grpc::CallbackServerContext* context,
                                                   const v1::CreateApiKeyRequest* request,
                                                   v1::CreateApiKeyResponse* response) {
  return runner_.Run(
      context, "KeyService.CreateApiKey", *request, *response,
      [=, this](const auth::Caller& caller) { return Create(caller, *request, *response); });
}

grpc::ServerUnaryReactor* KeyService::ListApiKeys(grpc::CallbackServerContext* context,
                                                  const v1::ListApiKeysRequest* request,
                                                  v1::ListApiKeysResponse* response) {
  return runner_.Run(context, "KeyService.ListApiKeys",
                     [=, this] { return List(*request, *response); });
}

grpc::ServerUnaryReactor* KeyService::RevokeApiKey(grpc::CallbackServerContext* context,
                                                   const v1::RevokeApiKeyRequest* request,
                                                   v1::RevokeApiKeyResponse* response) {
  return runner_.Run(
      context, "KeyService.RevokeApiKey", *request, *response,
      [=, this](const auth::Caller& caller) { return Revoke(caller, *request, *response); });
}

absl::Status KeyService::Create(const auth::Caller& caller, const v1::CreateApiKeyRequest& request,
                                v1::CreateApiKeyResponse& response) {
  if (!request.has_api_key()) return FieldError("api_key", "must be set");
  const v1::ApiKey& given = request.api_key();
  if (given.name().empty()) return FieldError("api_key.name", "must be set");
  if (given.name().size() > kMaxNameLength) {
    return FieldError("api_key.name", core::StrCat("is longer than ", kMaxNameLength));
  }
  std::optional<core::Role> role = RoleFromProto(given.role());
  if (!role) {
    return FieldError("api_key.role",
                      "must be one of ROLE_PRODUCER, ROLE_EDITOR, ROLE_OPERATOR, ROLE_VIEWER, "
                      "ROLE_PRIVACY, ROLE_ADMIN");
  }
  const core::Time now = clock_.Now();
  core::ApiKey key;
  if (given.has_expire_time()) {
    key.expire_time = FromProto(given.expire_time());
    if (*key.expire_time <= now) {
      return FieldError(
          "api_key.expire_time",
          core::StrCat("is not in the future (", core::FormatTime(*key.expire_time), ")"));
    }
  }
  absl::StatusOr<auth::ApiKeyToken> token = auth::NewApiKeyToken();
  if (!token.ok()) return token.status();
  key.id = token->id;
  key.name = given.name();
  key.role = *role;
  key.secret_sha256 = auth::HashSecret(token->secret);
  key.created_by = caller.Principal();
  key.create_time = now;
  absl::Status created = store_.CreateApiKey(key);
  if (!created.ok()) return created;
  spdlog::info("msg=\"api key created\" key_id={} name=\"{}\" role={} by={}", key.id, key.name,
               core::Name(key.role), key.created_by);
  *response.mutable_api_key() = ApiKeyToProto(key);
  response.set_token(token->ToString());
  return absl::OkStatus();
}

absl::Status KeyService::List(const v1::ListApiKeysRequest& request,
                              v1::ListApiKeysResponse& response) {
  absl::StatusOr<int> size = EffectivePageSize(request.page_size());
  if (!size.ok()) return size.status();
  absl::StatusOr<std::string> after = DecodePageToken(kListing, request.page_token());
  if (!after.ok()) return after.status();
  absl::StatusOr<store::Page<core::ApiKey>> page = store_.ListApiKeys(*after, *size);
  if (!page.ok()) return page.status();
  for (const core::ApiKey& key : page->items) *response.add_api_keys() = ApiKeyToProto(key);
  if (page->next_after) response.set_next_page_token(EncodePageToken(kListing, *page->next_after));
  return absl::OkStatus();
}

absl::Status KeyService::Revoke(const auth::Caller& caller, const v1::RevokeApiKeyRequest& request,
                                v1::RevokeApiKeyResponse& response) {
  if (request.id().empty()) return FieldError("id", "must be set");
  absl::StatusOr<core::ApiKey> key = store_.RevokeApiKey(request.id(), clock_.Now());
  if (!key.ok()) return key.status();
  spdlog::info("msg=\"api key revoked\" key_id={} name=\"{}\" by={}", key->id, key->name,
               caller.Principal());
  *response.mutable_api_key() = ApiKeyToProto(*key);
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* KeyService::GetCaller(grpc::CallbackServerContext* context,
                                                const v1::GetCallerRequest*,
                                                v1::GetCallerResponse* response) {
  return runner_.Run(context, "KeyService.GetCaller", [response](const auth::Caller& caller) {
    response->set_principal(caller.Principal());
    response->set_name(caller.name);
    for (core::Role role : core::AllRoles()) {
      if (caller.roles.Has(role)) response->add_roles(RoleToProto(role));
    }
    response->set_sees_contact_data(caller.SeesContactData());
    for (const std::string& method : auth::PolicyMethods()) {
      if (auth::Authorize(caller, method).ok()) response->add_methods(method);
    }
    return absl::OkStatus();
  });
}

}  // namespace herald::api
