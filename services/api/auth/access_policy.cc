#include "services/api/auth/access_policy.h"

#include <utility>

#include "services/core/strings.h"

namespace herald::api::auth {
namespace {

using core::Role;

// Least privilege: each role gets what its kind of user needs, and no more. Reads of
// profiles and the delivery log show viewers contact data masked.
const std::vector<std::pair<std::string_view, core::RoleSet>>& Table() {
  static const auto* const kTable = new std::vector<std::pair<std::string_view, core::RoleSet>>{
      {"EventService.PublishEvent", {Role::kProducer}},
      {"EventService.BatchPublishEvents", {Role::kProducer}},

      {"ProfileService.CreateProfile", {Role::kProducer}},
      {"ProfileService.UpdateProfile", {Role::kProducer}},
      {"ProfileService.DeleteProfile", {Role::kProducer}},
      {"ProfileService.GetProfile", {Role::kOperator, Role::kViewer, Role::kPrivacy}},
      {"ProfileService.ListProfiles", {Role::kOperator, Role::kViewer, Role::kPrivacy}},

      {"TemplateService.CreateTemplate", {Role::kEditor}},
      {"TemplateService.UpdateTemplate", {Role::kEditor}},
      {"TemplateService.DeleteTemplate", {Role::kEditor}},
      {"TemplateService.ActivateTemplate", {Role::kEditor}},
      {"TemplateService.PreviewTemplate", {Role::kEditor}},
      {"TemplateService.SendTestMessage", {Role::kEditor}},
      {"TemplateService.CreateSnippet", {Role::kEditor}},
      {"TemplateService.UpdateSnippet", {Role::kEditor}},
      {"TemplateService.DeleteSnippet", {Role::kEditor}},
      {"TemplateService.GetTemplate", {Role::kEditor, Role::kOperator, Role::kViewer}},
      {"TemplateService.ListTemplates", {Role::kEditor, Role::kOperator, Role::kViewer}},
      {"TemplateService.GetSnippet", {Role::kEditor, Role::kOperator, Role::kViewer}},
      {"TemplateService.ListSnippets", {Role::kEditor, Role::kOperator, Role::kViewer}},

      {"NotificationService.GetNotification", {Role::kOperator, Role::kViewer}},
      {"NotificationService.ListNotifications", {Role::kOperator, Role::kViewer}},
      {"NotificationService.WatchNotifications", {Role::kOperator, Role::kViewer}},
      {"NotificationService.ExplainNotification", {Role::kOperator, Role::kViewer}},

      // GET /metrics on an internal listener with TLS, without a client certificate.
      {"Metrics.Scrape", {Role::kOperator, Role::kViewer}},

      {"DeadLetterService.ListDeadLetters", {Role::kOperator, Role::kViewer}},
      {"DeadLetterService.ReplayDeadLetters", {Role::kOperator}},

      {"OperatorService.RetryNotification", {Role::kOperator}},
      {"OperatorService.CancelNotification", {Role::kOperator}},
      {"OperatorService.ResolveNotification", {Role::kOperator}},
      {"OperatorService.BulkChangeNotifications", {Role::kOperator}},
      {"OperatorService.PauseSending", {Role::kOperator}},
      {"OperatorService.ResumeSending", {Role::kOperator}},
      {"OperatorService.ListPauses", {Role::kOperator, Role::kViewer, Role::kEditor}},

      {"PrivacyService.EraseCustomer", {Role::kPrivacy}},
      {"PrivacyService.ExportCustomer", {Role::kPrivacy}},

      {"AuditService.ListAuditRecords", {}},
      {"AdminService.ReloadConfig", {}},

      {"KeyService.CreateApiKey", {}},
      {"KeyService.ListApiKeys", {}},
      {"KeyService.RevokeApiKey", {}},
      {"KeyService.GetCaller",
       {Role::kProducer, Role::kEditor, Role::kOperator, Role::kViewer, Role::kPrivacy}},
  };
  return *kTable;
}

}  // namespace

const core::RoleSet* RolesFor(std::string_view method) {
  for (const auto& [name, roles] : Table()) {
    if (name == method) return &roles;
  }
  return nullptr;
}

std::vector<std::string> PolicyMethods() {
  std::vector<std::string> methods;
  for (const auto& [name, roles] : Table()) methods.emplace_back(name);
  return methods;
}

absl::Status Authorize(const Caller& caller, std::string_view method) {
  if (caller.roles.Has(Role::kAdmin)) return absl::OkStatus();
  const core::RoleSet* allowed = RolesFor(method);
  if (allowed == nullptr) {
    return absl::PermissionDeniedError(
        core::StrCat(method, " has no access rule, so only an admin may call it"));
  }
  if (caller.roles.Intersects(*allowed)) return absl::OkStatus();
  core::RoleSet needed = *allowed;
  needed.Add(Role::kAdmin);
  return absl::PermissionDeniedError(core::StrCat(method, " needs one of the roles ",
                                                  needed.ToString(), "; ", caller.Describe(),
                                                  " has ", caller.roles.ToString()));
}

}  // namespace herald::api::auth
