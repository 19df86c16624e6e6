#pragma once

#include "herald/v1/template_service.grpc.pb.h"
#include "services/api/rpc_runner.h"
#include "services/core/clock.h"
#include "services/store/store.h"

namespace herald::api {

/// herald.v1.TemplateService over a TemplateStore.
class TemplateService final : public v1::TemplateService::CallbackService {
 public:
  TemplateService(store::TemplateStore& store, const core::Clock& clock, RpcRunner& runner)
      : store_(store), clock_(clock), runner_(runner) {}

  grpc::ServerUnaryReactor* CreateTemplate(grpc::CallbackServerContext* context,
                                           const v1::CreateTemplateRequest* request,
                                           v1::CreateTemplateResponse* response) override;
  grpc::ServerUnaryReactor* GetTemplate(grpc::CallbackServerContext* context,
                                        const v1::GetTemplateRequest* request,
                                        v1::GetTemplateResponse* response) override;
  grpc::ServerUnaryReactor* ListTemplates(grpc::CallbackServerContext* context,
                                          const v1::ListTemplatesRequest* request,
                                          v1::ListTemplatesResponse* response) override;
  grpc::ServerUnaryReactor* UpdateTemplate(grpc::CallbackServerContext* context,
                                           const v1::UpdateTemplateRequest* request,
                                           v1::UpdateTemplateResponse* response) override;
  grpc::ServerUnaryReactor* DeleteTemplate(grpc::CallbackServerContext* context,
                                           const v1::DeleteTemplateRequest* request,
                                           v1::DeleteTemplateResponse* response) override;
  grpc::ServerUnaryReactor* ActivateTemplate(grpc::CallbackServerContext* context,
                                             const v1::ActivateTemplateRequest* request,
                                             v1::ActivateTemplateResponse* response) override;
  grpc::ServerUnaryReactor* PreviewTemplate(grpc::CallbackServerContext* context,
                                            const v1::PreviewTemplateRequest* request,
                                            v1::PreviewTemplateResponse* response) override;

 private:
  absl::Status Activate(const v1::ActivateTemplateRequest& request,
                        v1::ActivateTemplateResponse& response);
  absl::Status Preview(const v1::PreviewTemplateRequest& request,
                       v1::PreviewTemplateResponse& response);
  absl::Status Create(const v1::CreateTemplateRequest& request,
                      v1::CreateTemplateResponse& response);
  absl::Status Get(const v1::GetTemplateRequest& request, v1::GetTemplateResponse& response);
  absl::Status List(const v1::ListTemplatesRequest& request, v1::ListTemplatesResponse& response);
  absl::Status Update(const v1::UpdateTemplateRequest& request,
                      v1::UpdateTemplateResponse& response);
  absl::Status Delete(const v1::DeleteTemplateRequest& request);

  store::TemplateStore& store_;
  const core::Clock& clock_;
  RpcRunner& runner_;
};

}  // namespace herald::api
