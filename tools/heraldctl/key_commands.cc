// heraldctl key create|list|revoke: API keys, for an admin.
#include <google/protobuf/util/time_util.h>

#include <CLI/CLI.hpp>
#include <chrono>

#include "herald/v1/key_service.grpc.pb.h"
#include "tools/heraldctl/heraldctl.h"

namespace herald::heraldctl {
namespace {

const std::map<std::string, v1::Role> kRoles = {
    {"producer", v1::ROLE_PRODUCER}, {"editor", v1::ROLE_EDITOR},   {"operator", v1::ROLE_OPERATOR},
    {"viewer", v1::ROLE_VIEWER},     {"privacy", v1::ROLE_PRIVACY}, {"admin", v1::ROLE_ADMIN},
};

}  // namespace

void Heraldctl::AddKeyCommands(CLI::App& app) {
  CLI::App* key = app.add_subcommand("key", "API keys (admin)")->require_subcommand(1);
  CLI::App* create =
      key->add_subcommand("create",
                          "Create a key and print it with its token, shown only this once")
          ->callback([this] { KeyCreate(); });
  create->add_option("--name", key_name_, "What the key is for, e.g. orders-service")->required();
  create->add_option("--role", key_role_, "producer, editor, operator, viewer, privacy or admin")
      ->required()
      ->check(CLI::IsMember(kRoles));
  create
      ->add_option("--expires-in", key_expires_days_,
                   "Days until it stops working (default: never)")
      ->check(CLI::Range(1, 3650));
  create->add_flag("--token-only", key_token_only_,
                   "Print only the token, for a secret store or HERALD_TOKEN");
  add_paging_(key->add_subcommand("list", "List keys, revoked ones included")->callback([this] {
    KeyList();
  }));
  key->add_subcommand("revoke", "Revoke a key: calls with it are refused from now on")
      ->callback([this] { KeyRevoke(); })
      ->add_option("id", key_, "Key id (the part after hk_ and before the next _)")
      ->required();
}

void Heraldctl::KeyCreate() {
  v1::CreateApiKeyRequest request;
  request.mutable_api_key()->set_name(key_name_);
  request.mutable_api_key()->set_role(kRoles.at(key_role_));
  if (key_expires_days_ > 0) {
    const auto at = std::chrono::system_clock::now() + std::chrono::hours(24 * key_expires_days_);
    *request.mutable_api_key()->mutable_expire_time() =
        google::protobuf::util::TimeUtil::SecondsToTimestamp(
            std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count());
  }
  v1::CreateApiKeyResponse response;
  auto stub = v1::KeyService::NewStub(Channel());
  if (!Check(stub->CreateApiKey(Context().get(), request, &response))) return;
  if (key_token_only_) {
    out_ << response.token() << "\n";
  } else {
    PrintJson(response);
  }
}

void Heraldctl::KeyList() {
  v1::ListApiKeysRequest request;
  request.set_page_size(page_size_);
  request.set_page_token(page_token_);
  v1::ListApiKeysResponse response;
  auto stub = v1::KeyService::NewStub(Channel());
  if (Check(stub->ListApiKeys(Context().get(), request, &response))) PrintJson(response);
}

void Heraldctl::KeyRevoke() {
  v1::RevokeApiKeyRequest request;
  request.set_id(key_);
  v1::RevokeApiKeyResponse response;
  auto stub = v1::KeyService::NewStub(Channel());
  if (Check(stub->RevokeApiKey(Context().get(), request, &response))) PrintJson(response);
}

}  // namespace herald::heraldctl
