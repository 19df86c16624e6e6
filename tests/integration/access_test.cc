// Who may call what, against a heraldd process: every method it serves (found by
// reflection, so a method added without a rule here fails) refuses callers without a
// valid credential, and lets each role do exactly its part.
#include "services/core/access.h"

#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor_database.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <future>
#include <map>
#include <set>

#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "herald/v1/notification_service.grpc.pb.h"
#include "services/api/auth/api_key_token.h"
#include "services/api/auth/bootstrap.h"
#include "services/core/strings.h"
#include "services/store/sqlite/sqlite_store.h"
#include "tests/integration/heraldd_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_issuer.h"

namespace herald::testing {
namespace {

using core::Role;

// The rule each method should have, written out independently of heraldd's table:
// admin may call everything besides these.
const std::map<std::string, std::set<Role>>& Expected() {
  static const auto* const kExpected = new std::map<std::string, std::set<Role>>{
      {"herald.v1.EventService/PublishEvent", {Role::kProducer}},
      {"herald.v1.EventService/BatchPublishEvents", {Role::kProducer}},
      {"herald.v1.ProfileService/CreateProfile", {Role::kProducer}},
      {"herald.v1.ProfileService/UpdateProfile", {Role::kProducer}},
      {"herald.v1.ProfileService/DeleteProfile", {Role::kProducer}},
      {"herald.v1.ProfileService/GetProfile", {Role::kOperator, Role::kViewer, Role::kPrivacy}},
      {"herald.v1.ProfileService/ListProfiles", {Role::kOperator, Role::kViewer, Role::kPrivacy}},
      {"herald.v1.TemplateService/CreateTemplate", {Role::kEditor}},
      {"herald.v1.TemplateService/UpdateTemplate", {Role::kEditor}},
      {"herald.v1.TemplateService/DeleteTemplate", {Role::kEditor}},
      {"herald.v1.TemplateService/ActivateTemplate", {Role::kEditor}},
      {"herald.v1.TemplateService/PreviewTemplate", {Role::kEditor}},
      {"herald.v1.TemplateService/SendTestMessage", {Role::kEditor}},
      {"herald.v1.TemplateService/CreateSnippet", {Role::kEditor}},
      {"herald.v1.TemplateService/UpdateSnippet", {Role::kEditor}},
      {"herald.v1.TemplateService/DeleteSnippet", {Role::kEditor}},
      {"herald.v1.TemplateService/GetTemplate", {Role::kEditor, Role::kOperator, Role::kViewer}},
      {"herald.v1.TemplateService/ListTemplates", {Role::kEditor, Role::kOperator, Role::kViewer}},
      {"herald.v1.TemplateService/GetSnippet", {Role::kEditor, Role::kOperator, Role::kViewer}},
      {"herald.v1.TemplateService/ListSnippets", {Role::kEditor, Role::kOperator, Role::kViewer}},
      {"herald.v1.NotificationService/GetNotification", {Role::kOperator, Role::kViewer}},
      {"herald.v1.NotificationService/ListNotifications", {Role::kOperator, Role::kViewer}},
      {"herald.v1.NotificationService/WatchNotifications", {Role::kOperator, Role::kViewer}},
      {"herald.v1.NotificationService/ExplainNotification", {Role::kOperator, Role::kViewer}},
      {"herald.v1.DeadLetterService/ListDeadLetters", {Role::kOperator, Role::kViewer}},
      {"herald.v1.DeadLetterService/ReplayDeadLetters", {Role::kOperator}},
      {"herald.v1.OperatorService/RetryNotification", {Role::kOperator}},
      {"herald.v1.OperatorService/CancelNotification", {Role::kOperator}},
      {"herald.v1.OperatorService/ResolveNotification", {Role::kOperator}},
      {"herald.v1.OperatorService/BulkChangeNotifications", {Role::kOperator}},
      {"herald.v1.OperatorService/PauseSending", {Role::kOperator}},
      {"herald.v1.OperatorService/ResumeSending", {Role::kOperator}},
      {"herald.v1.OperatorService/ListPauses", {Role::kOperator, Role::kViewer, Role::kEditor}},
      {"herald.v1.PrivacyService/EraseCustomer", {Role::kPrivacy}},
      {"herald.v1.PrivacyService/ExportCustomer", {Role::kPrivacy}},
      {"herald.v1.AuditService/ListAuditRecords", {}},
      {"herald.v1.AdminService/ReloadConfig", {}},
      {"herald.v1.KeyService/CreateApiKey", {}},
      {"herald.v1.KeyService/ListApiKeys", {}},
      {"herald.v1.KeyService/RevokeApiKey", {}},
      {"herald.v1.KeyService/GetCaller",
       {Role::kProducer, Role::kEditor, Role::kOperator, Role::kViewer, Role::kPrivacy}},
  };
  return *kExpected;
}

struct Method {
  std::string path;  // "herald.v1.Service/Method"
  bool server_streaming = false;
};

// The API's two doors: gRPC, and JSON over HTTP (Connect) on the http listener.
enum class Transport { kGrpc, kJson };

// A Connect error's code as gRPC's.
grpc::StatusCode CodeNamed(const std::string& name) {
  static const std::map<std::string, grpc::StatusCode> kCodes = {
      {"canceled", grpc::StatusCode::CANCELLED},
      {"unknown", grpc::StatusCode::UNKNOWN},
      {"invalid_argument", grpc::StatusCode::INVALID_ARGUMENT},
      {"deadline_exceeded", grpc::StatusCode::DEADLINE_EXCEEDED},
      {"not_found", grpc::StatusCode::NOT_FOUND},
      {"already_exists", grpc::StatusCode::ALREADY_EXISTS},
      {"permission_denied", grpc::StatusCode::PERMISSION_DENIED},
      {"resource_exhausted", grpc::StatusCode::RESOURCE_EXHAUSTED},
      {"failed_precondition", grpc::StatusCode::FAILED_PRECONDITION},
      {"aborted", grpc::StatusCode::ABORTED},
      {"out_of_range", grpc::StatusCode::OUT_OF_RANGE},
      {"unimplemented", grpc::StatusCode::UNIMPLEMENTED},
      {"internal", grpc::StatusCode::INTERNAL},
      {"unavailable", grpc::StatusCode::UNAVAILABLE},
      {"data_loss", grpc::StatusCode::DATA_LOSS},
      {"unauthenticated", grpc::StatusCode::UNAUTHENTICATED},
  };
  auto it = kCodes.find(name);
  return it == kCodes.end() ? grpc::StatusCode::UNKNOWN : it->second;
}

// A Connect error body ({"code": ..., "message": ...}) as a gRPC status.
grpc::Status StatusOfError(const std::string& json) {
  google::protobuf::Struct error;
  if (!google::protobuf::util::JsonStringToMessage(json, &error).ok()) {
    return grpc::Status(grpc::StatusCode::UNKNOWN, "not a Connect error: " + json);
  }
  auto text = [&error](const char* name) {
    auto it = error.fields().find(name);
    return it == error.fields().end() ? std::string() : it->second.string_value();
  };
  return grpc::Status(CodeNamed(text("code")), text("message"));
}

class AccessTest : public ::testing::TestWithParam<Transport> {
 protected:
  void SetUp() override {
    // Keys in every state, put in the store before heraldd opens it.
    {
      auto store = store::sqlite::SqliteStore::Open({.path = dir_.File("herald.db")});
      ASSERT_TRUE(store.ok()) << store.status();
      const core::Time now = core::SystemClock().Now();
      for (Role role : core::AllRoles()) {
        tokens_[role] = Register(**store, std::string(core::Name(role)), role);
      }
      expired_ = Register(**store, "expired", Role::kAdmin, now - std::chrono::hours(1));
      revoked_ = Register(**store, "revoked", Role::kAdmin);
      ASSERT_TRUE((*store)->RevokeApiKey(revoked_.substr(3, 16), now).ok());
    }
    std::ofstream(dir_.File("jwks.json")) << issuer_.Jwks();
    heraldd_ = std::make_unique<HeralddProcess>(
        dir_.path().string(), dir_.File("herald.db"),
        "auth:\n  admin_token_file: \"\"\n  jwt: {jwks_file: " + dir_.File("jwks.json") +
            ", issuer: \"https://idp.test/\", audience: herald}\n");
    ASSERT_TRUE(heraldd_->ready()) << heraldd_->process().Stderr();
    methods_ = ServedMethods();
  }

  void TearDown() override {
    if (heraldd_) {
      EXPECT_EQ(heraldd_->Stop(), 0) << heraldd_->process().Stderr();
    }
  }

  // A JWT from the test's identity provider: a valid set of claims, with `changes`
  // (name: JSON value) added or replacing them.
  std::string Jwt(const std::map<std::string, std::string>& changes,
                  const TestIssuer* by = nullptr) const {
    const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    std::map<std::string, std::string> claims = {{"iss", R"("https://idp.test/")"},
                                                 {"aud", R"("herald")"},
                                                 {"sub", R"("jan@bank")"},
                                                 {"exp", std::to_string(now + 3600)},
                                                 {"iat", std::to_string(now)}};
    for (const auto& [name, value] : changes) claims[name] = value;
    std::string json;
    for (const auto& [name, value] : claims) {
      json += (json.empty() ? "{\"" : ", \"") + name + "\": " + value;
    }
    return (by != nullptr ? *by : issuer_).Sign(json + "}");
  }

  static std::string Register(store::ApiKeyStore& keys, const std::string& name, Role role,
                              std::optional<core::Time> expire = std::nullopt) {
    absl::StatusOr<api::auth::ApiKeyToken> token = api::auth::NewApiKeyToken();
    EXPECT_TRUE(token.ok());
    core::ApiKey key{.id = token->id,
                     .name = name,
                     .role = role,
                     .secret_sha256 = api::auth::HashSecret(token->secret),
                     .created_by = "test",
                     .create_time = core::SystemClock().Now() - std::chrono::hours(2),
                     .expire_time = expire};
    EXPECT_TRUE(keys.CreateApiKey(key).ok());
    return token->ToString();
  }

  // Every herald.v1 method the server says it serves, read by reflection.
  std::vector<Method> ServedMethods() {
    auto stub = grpc::reflection::v1alpha::ServerReflection::NewStub(heraldd_->Channel());
    auto context = Context();
    auto stream = stub->ServerReflectionInfo(context.get());
    grpc::reflection::v1alpha::ServerReflectionRequest request;
    request.set_list_services("");
    grpc::reflection::v1alpha::ServerReflectionResponse response;
    EXPECT_TRUE(stream->Write(request) && stream->Read(&response));
    std::vector<std::string> services;
    for (const auto& s : response.list_services_response().service()) {
      if (s.name().rfind("herald.", 0) == 0) services.push_back(s.name());
    }
    for (const std::string& service : services) {
      request.set_file_containing_symbol(service);
      EXPECT_TRUE(stream->Write(request) && stream->Read(&response));
      for (const std::string& bytes : response.file_descriptor_response().file_descriptor_proto()) {
        google::protobuf::FileDescriptorProto file;
        EXPECT_TRUE(file.ParseFromString(bytes));
        google::protobuf::FileDescriptorProto known;
        if (!files_.FindFileByName(file.name(), &known)) files_.Add(file);
      }
    }
    stream->WritesDone();
    EXPECT_TRUE(stream->Finish().ok());
    std::vector<Method> methods;
    for (const std::string& service : services) {
      const google::protobuf::ServiceDescriptor* descriptor = pool_.FindServiceByName(service);
      EXPECT_NE(descriptor, nullptr) << service;
      if (descriptor == nullptr) continue;
      for (int i = 0; i < descriptor->method_count(); ++i) {
        methods.push_back({.path = service + "/" + descriptor->method(i)->name(),
                           .server_streaming = descriptor->method(i)->server_streaming()});
      }
    }
    return methods;
  }

  // Calls a method with an empty request as `token`'s holder; the status heraldd gave.
  grpc::Status Call(const Method& method, const std::string& token) {
    if (GetParam() == Transport::kJson) return CallOverHttp(method, token);
    auto channel = heraldd_->Channel(token);
    auto context = Context();
    if (method.server_streaming) {
      // The only stream: WatchNotifications. Its headers come once it is established,
      // or with the refusal that ends it.
      auto stub = v1::NotificationService::NewStub(channel);
      auto reader = stub->WatchNotifications(context.get(), v1::WatchNotificationsRequest());
      reader->WaitForInitialMetadata();
      if (context->GetServerInitialMetadata().contains("herald-watch-after")) {
        return grpc::Status::OK;  // admitted (and ended as the context goes)
      }
      return reader->Finish();
    }
    grpc::GenericStub stub(channel);
    grpc::Slice empty("");
    grpc::ByteBuffer request(&empty, 1);  // an empty message
    grpc::ByteBuffer response;
    std::promise<grpc::Status> done;
    stub.UnaryCall(context.get(), "/" + method.path, grpc::StubOptions(), &request, &response,
                   [&done](grpc::Status status) { done.set_value(std::move(status)); });
    return done.get_future().get();
  }

  grpc::Status CallOverHttp(const Method& method, const std::string& token) {
    httplib::Client client("127.0.0.1", heraldd_->http_port());
    client.set_read_timeout(std::chrono::seconds(30));
    httplib::Request request;
    request.method = "POST";
    request.path = "/" + method.path;
    if (!token.empty()) request.set_header("Authorization", "Bearer " + token);
    if (!method.server_streaming) {
      request.set_header("Content-Type", "application/json");
      request.body = "{}";
      httplib::Result answer = client.send(request);
      if (!answer) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "no answer over HTTP");
      if (answer->status == 200) return grpc::Status::OK;
      return StatusOfError(answer->body);
    }
    // A stream: admitted once its headers say so; refused in its last message.
    request.set_header("Content-Type", "application/connect+json");
    request.body = std::string("\0\0\0\0\2{}", 7);
    bool admitted = false;
    std::string body;
    request.response_handler = [&admitted](const httplib::Response& response) {
      admitted = response.has_header("herald-watch-after");
      return !admitted;  // an admitted stream is left at once
    };
    request.content_receiver = [&body](const char* data, size_t size, uint64_t, uint64_t) {
      body.append(data, size);
      return true;
    };
    client.send(request);
    if (admitted) return grpc::Status::OK;
    if (body.size() < 5 || body[0] != 2) {
      return grpc::Status(grpc::StatusCode::UNKNOWN, "no end of stream");
    }
    google::protobuf::Struct end;
    if (!google::protobuf::util::JsonStringToMessage(body.substr(5), &end).ok() ||
        !end.fields().contains("error")) {
      return grpc::Status(grpc::StatusCode::UNKNOWN, "end of stream without error: " + body);
    }
    std::string error;
    (void)google::protobuf::util::MessageToJsonString(end.fields().at("error").struct_value(),
                                                      &error);
    return StatusOfError(error);
  }

  TempDir dir_;
  TestIssuer issuer_{TestIssuer::Kind::kEs256, "idp-1"};
  std::map<Role, std::string> tokens_;
  std::string expired_;
  std::string revoked_;
  std::unique_ptr<HeralddProcess> heraldd_;
  google::protobuf::SimpleDescriptorDatabase files_;
  google::protobuf::DescriptorPool pool_{&files_};
  std::vector<Method> methods_;
};

TEST_P(AccessTest, EveryMethodServedHasTheExpectedRule) {
  ASSERT_FALSE(methods_.empty());
  std::set<std::string> served;
  for (const Method& m : methods_) {
    served.insert(m.path);
    EXPECT_TRUE(Expected().contains(m.path))
        << m.path << " is served but this test has no rule for it: add the roles it needs";
  }
  for (const auto& [path, roles] : Expected()) {
    EXPECT_TRUE(served.contains(path)) << path << " is expected but not served";
  }
}

TEST_P(AccessTest, EveryMethodRefusesCallersWithoutAValidCredential) {
  const std::string malformed = "hk_notavalidtoken";
  std::string forged = tokens_[Role::kAdmin];
  forged.back() = forged.back() == 'a' ? 'b' : 'a';
  TestIssuer impostor(TestIssuer::Kind::kEs256, "idp-1");  // the same kid, another key
  const std::vector<std::pair<std::string, std::string>> refused = {
      {"", "no credentials"},
      {malformed, "an API key is hk_<id>_<secret>"},
      {forged, "is not known here, or its secret does not match"},
      {expired_, "(expired) expired at"},
      {revoked_, "(revoked) was revoked at"},
      {Jwt({{"herald_roles", R"(["admin"])"}, {"aud", R"("crm")"}}), "not for audience \"herald\""},
      {Jwt({{"herald_roles", R"(["admin"])"}, {"iss", R"("https://evil.test/")"}}),
       "issuer \"https://evil.test/\" is not"},
      {Jwt({{"herald_roles", R"(["admin"])"}}, &impostor), "signature does not verify"},
      {Jwt({{"herald_roles", R"(["admin"])"}, {"exp", "1700000000"}}), "the JWT expired at"},
  };
  for (const Method& method : methods_) {
    for (const auto& [token, message] : refused) {
      grpc::Status status = Call(method, token);
      EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
          << method.path << " with " << message << ": " << status.error_message();
      EXPECT_THAT(status.error_message(), ::testing::HasSubstr(message)) << method.path;
    }
  }
  EXPECT_GE(heraldd_->Metric("herald_auth_refused_total", "reason=\"missing\""),
            static_cast<double>(methods_.size()));
  EXPECT_GE(heraldd_->Metric("herald_auth_refused_total", "reason=\"expired\""),
            static_cast<double>(methods_.size()));
}

TEST_P(AccessTest, EachRoleCallsExactlyItsPart) {
  for (const Method& method : methods_) {
    auto expected = Expected().find(method.path);
    if (expected == Expected().end()) continue;  // reported by the test above
    for (Role role : core::AllRoles()) {
      const bool may = role == Role::kAdmin || expected->second.contains(role);
      // An API key of the role, and a JWT naming it.
      for (const std::string& token :
           {tokens_[role], Jwt({{"herald_roles", core::StrCat("[\"", core::Name(role), "\"]")}})}) {
        grpc::Status status = Call(method, token);
        EXPECT_NE(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
            << method.path << " as " << core::Name(role) << ": " << status.error_message();
        if (may) {
          EXPECT_NE(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
              << method.path << " as " << core::Name(role) << ": " << status.error_message();
        } else {
          EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
              << method.path << " as " << core::Name(role);
          EXPECT_THAT(status.error_message(),
                      ::testing::HasSubstr(core::StrCat(" has ", core::Name(role))));
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Transports, AccessTest,
                         ::testing::Values(Transport::kGrpc, Transport::kJson),
                         [](const ::testing::TestParamInfo<Transport>& info) {
                           return info.param == Transport::kGrpc ? "Grpc" : "Json";
                         });

}  // namespace
}  // namespace herald::testing
