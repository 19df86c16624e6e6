#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "herald/v1/template_service.grpc.pb.h"
#include "services/api/audit_trail.h"
#include "services/api/preview_data.h"
#include "services/api/rpc_runner.h"
#include "services/core/clock.h"
#include "services/store/store.h"

namespace herald::api {

/// What a test send came to: the server's or provider's id and words.
struct TestSendResult {
  std::string provider_message_id;
  std::string detail;
};

/// Sends one rendered message to an address now, outside the delivery path (heraldd
/// gives the connectors'); UNAVAILABLE with the answer when it was not taken.
using TestSender = std::function<absl::StatusOr<TestSendResult>(core::RenderedMessage message)>;

/// herald.v1.TemplateService over a TemplateStore.
class TemplateService final : public v1::TemplateService::CallbackService {
 public:
  /// `max_sms_segments`: for templates that set no maximum of their own.
  TemplateService(store::TemplateStore& store, const core::Clock& clock, RpcRunner& runner,
                  int max_sms_segments)
      : store_(store), clock_(clock), runner_(runner), max_sms_segments_(max_sms_segments) {}

  /// Test sends go through `sender`, and are recorded in `audit` (when set); without a
  /// sender, SendTestMessage is UNIMPLEMENTED. Before the server starts.
  void SetTestSender(TestSender sender, AuditTrail* audit) {
    test_sender_ = std::move(sender);
    audit_ = audit;
  }

  /// Previews may name a real customer and a stored event (PreviewTemplateRequest's
  /// customer_id and event_id); without sources, such a preview is UNIMPLEMENTED.
  /// Before the server starts.
  void SetPreviewSources(PreviewSources sources) { preview_ = std::move(sources); }

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
  grpc::ServerUnaryReactor* SendTestMessage(grpc::CallbackServerContext* context,
                                            const v1::SendTestMessageRequest* request,
                                            v1::SendTestMessageResponse* response) override;
  grpc::ServerUnaryReactor* CreateSnippet(grpc::CallbackServerContext* context,
                                          const v1::CreateSnippetRequest* request,
                                          v1::CreateSnippetResponse* response) override;
  grpc::ServerUnaryReactor* GetSnippet(grpc::CallbackServerContext* context,
                                       const v1::GetSnippetRequest* request,
                                       v1::GetSnippetResponse* response) override;
  grpc::ServerUnaryReactor* ListSnippets(grpc::CallbackServerContext* context,
                                         const v1::ListSnippetsRequest* request,
                                         v1::ListSnippetsResponse* response) override;
  grpc::ServerUnaryReactor* UpdateSnippet(grpc::CallbackServerContext* context,
                                          const v1::UpdateSnippetRequest* request,
                                          v1::UpdateSnippetResponse* response) override;
  grpc::ServerUnaryReactor* DeleteSnippet(grpc::CallbackServerContext* context,
                                          const v1::DeleteSnippetRequest* request,
                                          v1::DeleteSnippetResponse* response) override;

 private:
  absl::Status Activate(const v1::ActivateTemplateRequest& request,
                        v1::ActivateTemplateResponse& response);
  absl::Status Preview(const v1::PreviewTemplateRequest& request,
                       v1::PreviewTemplateResponse& response);
  absl::Status SendTest(const auth::Caller& caller, const v1::SendTestMessageRequest& request,
                        v1::SendTestMessageResponse& response);
  absl::Status Create(const v1::CreateTemplateRequest& request,
                      v1::CreateTemplateResponse& response);
  absl::Status Get(const v1::GetTemplateRequest& request, v1::GetTemplateResponse& response);
  absl::Status List(const v1::ListTemplatesRequest& request, v1::ListTemplatesResponse& response);
  absl::Status Update(const v1::UpdateTemplateRequest& request,
                      v1::UpdateTemplateResponse& response);
  absl::Status Delete(const v1::DeleteTemplateRequest& request);
  absl::Status PutSnippet(const v1::Snippet& snippet, bool must_exist, v1::Snippet& stored,
                          google::protobuf::RepeatedPtrField<std::string>& warnings);
  absl::Status RemoveSnippet(const v1::DeleteSnippetRequest& request);
  /// Stored snippets by name (the partials templates include).
  absl::StatusOr<std::map<std::string, std::string>> Snippets();
  /// Warnings for a stored template: unknown variables, partials with no snippet.
  absl::StatusOr<std::vector<std::string>> Warnings(const core::Template& tmpl);

  store::TemplateStore& store_;
  const core::Clock& clock_;
  RpcRunner& runner_;
  const int max_sms_segments_;
  TestSender test_sender_;
  AuditTrail* audit_ = nullptr;
  PreviewSources preview_;
  std::mutex snippet_writes_;  // snippet create, update and delete, one at a time
};

}  // namespace herald::api
