#pragma once

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <memory>

#include "herald/v1/event_service.grpc.pb.h"
#include "herald/v1/notification_service.grpc.pb.h"
#include "herald/v1/profile_service.grpc.pb.h"
#include "herald/v1/template_service.grpc.pb.h"
#include "services/api/auth/api_key_token.h"
#include "services/api/auth/authenticator.h"
#include "services/api/auth/bootstrap.h"
#include "services/api/auth/gate.h"
#include "services/api/blocking_executor.h"
#include "services/api/event_service.h"
#include "services/api/notification_service.h"
#include "services/api/operator_service.h"
#include "services/api/profile_service.h"
#include "services/api/rpc_runner.h"
#include "services/api/template_service.h"
#include "services/store/sqlite/sqlite_store.h"
#include "tests/support/bearer_channel.h"
#include "tests/support/fake_clock.h"
#include "tests/support/pipeline.h"
#include "tests/support/temp_dir.h"

namespace herald::api {

/// The herald.v1 services on a loopback gRPC server over a real SQLite
/// store in a temp dir, with a fake clock.
class ServiceFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    pipeline_ = std::make_unique<testing::Pipeline>(dir_.File("herald.db"), clock_, registry_,
                                                    testing::Pipeline::Options{});
    store_ = &pipeline_->store();
    authenticator_ = std::make_unique<auth::Authenticator>(*store_, clock_);
    gate_ = std::make_unique<auth::Gate>(*authenticator_, registry_);
    runner_ = std::make_unique<RpcRunner>(executor_, *gate_, registry_);
    absl::StatusOr<auth::ApiKeyToken> token = auth::NewApiKeyToken();
    ASSERT_TRUE(token.ok());
    ASSERT_TRUE(
        auth::RegisterToken(*store_, *token, "fixture", core::Role::kAdmin, clock_.Now()).ok());
    profiles_ = std::make_unique<ProfileService>(*store_, clock_, *runner_);
    templates_ =
        std::make_unique<TemplateService>(*store_, clock_, *runner_, /*max_sms_segments=*/3);
    events_ = std::make_unique<EventService>(pipeline_->intake(), *runner_);
    notifications_ = std::make_unique<NotificationService>(*store_, *runner_);
    operator_ = std::make_unique<OperatorService>(*store_, clock_, *runner_, /*audit=*/nullptr);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(profiles_.get());
    builder.RegisterService(templates_.get());
    builder.RegisterService(events_.get());
    builder.RegisterService(notifications_.get());
    builder.RegisterService(operator_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(port, 0);
    auto channel = testing::BearerChannel("127.0.0.1:" + std::to_string(port), token->ToString());
    profile_stub_ = v1::ProfileService::NewStub(channel);
    template_stub_ = v1::TemplateService::NewStub(channel);
    event_stub_ = v1::EventService::NewStub(channel);
    notification_stub_ = v1::NotificationService::NewStub(channel);
    operator_stub_ = v1::OperatorService::NewStub(channel);
  }

  void TearDown() override {
    if (server_) server_->Shutdown();
    executor_.Shutdown();
  }

  /// A context with a deadline, as every outbound call has.
  static std::unique_ptr<grpc::ClientContext> Context() {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return context;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_{testing::TestEpoch()};
  prometheus::Registry registry_;
  BlockingExecutor executor_{2, 64};
  std::unique_ptr<auth::Authenticator> authenticator_;
  std::unique_ptr<auth::Gate> gate_;
  std::unique_ptr<RpcRunner> runner_;
  std::unique_ptr<testing::Pipeline> pipeline_;
  store::Store* store_ = nullptr;
  std::unique_ptr<ProfileService> profiles_;
  std::unique_ptr<TemplateService> templates_;
  std::unique_ptr<EventService> events_;
  std::unique_ptr<NotificationService> notifications_;
  std::unique_ptr<OperatorService> operator_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::ProfileService::Stub> profile_stub_;
  std::unique_ptr<v1::TemplateService::Stub> template_stub_;
  std::unique_ptr<v1::EventService::Stub> event_stub_;
  std::unique_ptr<v1::NotificationService::Stub> notification_stub_;
  std::unique_ptr<v1::OperatorService::Stub> operator_stub_;
};

}  // namespace herald::api
