// heraldd as a user runs it: the built binary, a config file, signals, and clients
// speaking gRPC (health, reflection, the herald API) and HTTP over loopback.
#include "tests/integration/heraldd_process.h"

#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>

#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "herald/v1/profile_service.grpc.pb.h"
#include "tests/support/built_binary.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace herald::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsSupersetOf;

class HeralddProcessTest : public ::testing::Test {
 protected:
  std::string Db() const { return dir_.File("herald.db"); }
  TempDir dir_;
};

grpc::health::v1::HealthCheckResponse::ServingStatus Health(grpc::Channel& channel,
                                                            const std::string& service) {
  auto stub = grpc::health::v1::Health::NewStub(
      std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(Context().get(), request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response.status();
}

TEST_F(HeralddProcessTest, HealthSaysServingAndReflectionListsTheApi) {
  HeralddProcess heraldd(dir_.path().string(), Db());
  ASSERT_TRUE(heraldd.ready()) << heraldd.process().Stderr();
  {  // Clients close before the stop: an idle one holds shutdown until its next poll.
    auto channel = heraldd.Channel();
    EXPECT_EQ(Health(*channel, ""), grpc::health::v1::HealthCheckResponse::SERVING);
    EXPECT_EQ(Health(*channel, "herald.v1.ProfileService"),
              grpc::health::v1::HealthCheckResponse::SERVING);

    auto reflection = grpc::reflection::v1alpha::ServerReflection::NewStub(channel);
    auto context = Context();
    auto stream = reflection->ServerReflectionInfo(context.get());
    grpc::reflection::v1alpha::ServerReflectionRequest request;
    request.set_list_services("");
    ASSERT_TRUE(stream->Write(request));
    grpc::reflection::v1alpha::ServerReflectionResponse response;
    ASSERT_TRUE(stream->Read(&response));
    stream->WritesDone();
    std::vector<std::string> services;
    for (const auto& s : response.list_services_response().service()) services.push_back(s.name());
    EXPECT_THAT(services, IsSupersetOf({"herald.v1.EventService", "herald.v1.ProfileService",
                                        "herald.v1.TemplateService",
                                        "herald.v1.NotificationService", "grpc.health.v1.Health"}));
    EXPECT_TRUE(stream->Finish().ok());
  }
  EXPECT_EQ(heraldd.Stop(), 0);
}

TEST_F(HeralddProcessTest, HttpEndpointsAnswer) {
  HeralddProcess heraldd(dir_.path().string(), Db());
  ASSERT_TRUE(heraldd.ready()) << heraldd.process().Stderr();

  // One gRPC call, so the request counter has a sample.
  auto stub = v1::ProfileService::NewStub(heraldd.Channel());
  v1::GetProfileRequest get;
  get.set_customer_id("nobody");
  v1::GetProfileResponse got;
  EXPECT_EQ(stub->GetProfile(Context().get(), get, &got).error_code(), grpc::StatusCode::NOT_FOUND);

  httplib::Client http("127.0.0.1", heraldd.http_port());
  http.set_read_timeout(30);
  auto healthz = http.Get("/healthz");
  ASSERT_TRUE(healthz);
  EXPECT_EQ(healthz->status, 200);
  auto readyz = http.Get("/readyz");
  ASSERT_TRUE(readyz);
  EXPECT_EQ(readyz->status, 200);
  auto metrics = http.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  // Which malloc heraldd runs on: what its build linked (glibc's under the sanitizers).
  const char* allocator = std::getenv("HERALD_TEST_ALLOCATOR");  // of HERALD_TEST_BUILD_DIR
  const bool tcmalloc =
      allocator != nullptr ? std::string_view(allocator) == "tcmalloc" : HERALDD_TCMALLOC;
  EXPECT_THAT(metrics->body, HasSubstr(tcmalloc ? "herald_build_info{allocator=\"tcmalloc\""
                                                : "herald_build_info{allocator=\"glibc\""));
  EXPECT_THAT(metrics->body, HasSubstr(",version=\""));
  EXPECT_THAT(metrics->body, HasSubstr("herald_grpc_requests_total{code=\"NOT_FOUND\","
                                       "method=\"ProfileService.GetProfile\"} 1"));
  EXPECT_EQ(http.Get("/nothing-here")->status, 404);
  // Receipts are for the public listener only, operations for the internal one only.
  EXPECT_EQ(http.Post("/receipts/sms", "{}", "application/json")->status, 404);
  httplib::Client published("127.0.0.1", heraldd.public_port());
  EXPECT_EQ(published.Get("/metrics")->status, 404);
  EXPECT_EQ(published.Post("/receipts/sms", "{}", "application/json")->status, 401)
      << "unsigned: refused";
  stub.reset();
  EXPECT_EQ(heraldd.Stop(), 0);
}

TEST_F(HeralddProcessTest, AProfileCreatedOverGrpcIsReadBackAfterARestart) {
  v1::CustomerProfile created;
  {
    HeralddProcess heraldd(dir_.path().string(), Db());
    ASSERT_TRUE(heraldd.ready()) << heraldd.process().Stderr();
    auto stub = v1::ProfileService::NewStub(heraldd.Channel());
    v1::CreateProfileRequest request;
    v1::CustomerProfile* p = request.mutable_profile();
    p->set_customer_id("cust-42");
    p->set_display_name("Joost Janssens");
    p->set_email("joost@example.be");
    p->set_phone("+32 470 12 34 56");
    p->set_locale("nl-BE");
    p->set_time_zone("Europe/Brussels");
    p->add_preferred_channels(v1::CHANNEL_SMS);
    v1::Consent* consent = p->add_consents();
    consent->set_category(v1::CATEGORY_SURVEY);
    consent->set_channel(v1::CHANNEL_SMS);
    consent->set_state(v1::CONSENT_STATE_DENIED);
    consent->set_source("call-center");
    v1::CreateProfileResponse response;
    grpc::Status status = stub->CreateProfile(Context().get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    created = response.profile();
    EXPECT_EQ(created.phone(), "+32470123456");
    stub.reset();
    EXPECT_EQ(heraldd.Stop(), 0);
    EXPECT_THAT(heraldd.process().Stderr(), HasSubstr("msg=\"stopped\""));
  }
  HeralddProcess again(dir_.path().string(), Db());
  ASSERT_TRUE(again.ready()) << again.process().Stderr();
  auto stub = v1::ProfileService::NewStub(again.Channel());
  v1::GetProfileRequest get;
  get.set_customer_id("cust-42");
  v1::GetProfileResponse got;
  ASSERT_TRUE(stub->GetProfile(Context().get(), get, &got).ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(got.profile(), created))
      << got.profile().DebugString() << "\nvs\n"
      << created.DebugString();
  stub.reset();
  EXPECT_EQ(again.Stop(), 0);
}

TEST_F(HeralddProcessTest, CheckConfigNamesATypoedKeyAndExitsNonZero) {
  const std::string bad = dir_.File("bad.yaml");
  std::ofstream(bad) << "server:\n  grpc_listen: 127.0.0.1:0\n  http_lisen: 127.0.0.1:0\n";
  RunResult result = RunToExit({BuiltBinary(HERALDD_PATH), "--check-config", bad});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr(bad + ":3:3: server.http_lisen: unknown key"));
  EXPECT_THAT(result.err, HasSubstr("did you mean \"http_listen\""));

  // The same file given to --config: heraldd refuses to start.
  result = RunToExit({BuiltBinary(HERALDD_PATH), "--config", bad});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("server.http_lisen"));

  const std::string good = dir_.File("good.yaml");
  std::ofstream(good) << "server:\n  grpc_listen: 127.0.0.1:0\n";
  result = RunToExit({BuiltBinary(HERALDD_PATH), "--check-config", good});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("OK"));
}

TEST_F(HeralddProcessTest, EveryShippedConfigPassesCheckConfig) {
  // One machine (tools/dev run), several instances with docker compose, and Kubernetes.
  for (const char* config : {"local/heraldd.yaml", "compose/heraldd.yaml", "k8s/heraldd.yaml"}) {
    const std::string path = std::string(DEPLOY_DIR) + "/" + config;
    // The Kubernetes config reads a secret from the environment, as its pod would.
    RunResult result = RunToExit({"/usr/bin/env", "HERALD_RECEIPTS_SECRET=x",
                                  BuiltBinary(HERALDD_PATH), "--check-config", path});
    EXPECT_EQ(result.exit_code, 0) << path << ": " << result.err;
    EXPECT_THAT(result.out, HasSubstr(path + ": OK"));
  }
}

TEST_F(HeralddProcessTest, ATakenPortIsAClearStartupError) {
  HeralddProcess first(dir_.path().string(), Db());
  ASSERT_TRUE(first.ready()) << first.process().Stderr();
  TempDir other;
  const std::string config = other.File("taken.yaml");
  std::ofstream(config) << "server:\n  grpc_listen: " << first.grpc_target()
                        << "\n  http_listen: 127.0.0.1:0\n  public: {listen: 127.0.0.1:0}\n"
                        << "store:\n  sqlite:\n    path: " << other.File("herald.db")
                        << "\nauth: {admin_token_file: " << other.File("admin.token") << "}\n";
  RunResult result = RunToExit({BuiltBinary(HERALDD_PATH), "--config", config});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("cannot listen on " + first.grpc_target()));
  EXPECT_EQ(first.Stop(), 0);
}

}  // namespace
}  // namespace herald::testing
