// OperatorService's kill switches: PauseSending, ResumeSending, ListPauses.
#include <utility>

#include "services/api/kind_mapping.h"
#include "services/api/operator_service.h"
#include "services/api/status.h"
#include "services/api/time_mapping.h"
#include "services/core/audit.h"
#include "services/core/strings.h"

namespace herald::api {
namespace {

struct Scope {
  core::PauseScope scope = core::PauseScope::kAll;
  std::string value = {};
};

absl::StatusOr<Scope> ScopeFromProto(const v1::SendingScope& s) {
  switch (s.scope_case()) {
    case v1::SendingScope::kAll:
      if (!s.all()) return FieldError("scope.all", "must be true to pause all sending");
      return Scope{core::PauseScope::kAll, ""};
    case v1::SendingScope::kTemplateName:
      if (s.template_name().empty()) return FieldError("scope.template_name", "must not be empty");
      return Scope{core::PauseScope::kTemplate, s.template_name()};
    case v1::SendingScope::kCategory: {
      std::optional<core::Category> category = FromProto(s.category());
      if (!category) return FieldError("scope.category", "is not a known category");
      return Scope{core::PauseScope::kCategory, std::string(core::Name(*category))};
    }
    case v1::SendingScope::kChannel: {
      std::optional<core::Channel> channel = FromProto(s.channel());
      if (!channel) return FieldError("scope.channel", "is not a known channel");
      return Scope{core::PauseScope::kChannel, std::string(core::Name(*channel))};
    }
    case v1::SendingScope::SCOPE_NOT_SET:
      break;
  }
  return FieldError("scope", "must name all, template_name, category or channel");
}

v1::SendingScope ScopeToProto(const core::Pause& p) {
  v1::SendingScope s;
  switch (p.scope) {
    case core::PauseScope::kAll:
      s.set_all(true);
      break;
    case core::PauseScope::kTemplate:
      s.set_template_name(p.value);
      break;
    case core::PauseScope::kCategory:
      if (auto c = core::ParseCategory(p.value)) s.set_category(ToProto(*c));
      break;
    case core::PauseScope::kChannel:
      if (auto c = core::ParseChannel(p.value)) s.set_channel(ToProto(*c));
      break;
  }
  return s;
}

void PauseToProto(const core::Pause& p, v1::Pause& out) {
  *out.mutable_scope() = ScopeToProto(p);
  out.set_paused_by(p.paused_by);
  out.set_reason(p.reason);
  *out.mutable_pause_time() = ToProto(p.pause_time);
}

// The audit trail's resource: "pauses/TEMPLATE/order_shipped", "pauses/ALL".
std::string Resource(core::PauseScope scope, std::string_view value) {
  return value.empty() ? core::StrCat("pauses/", core::Name(scope))
                       : core::StrCat("pauses/", core::Name(scope), "/", value);
}

}  // namespace

grpc::ServerUnaryReactor* OperatorService::PauseSending(grpc::CallbackServerContext* context,
                                                        const v1::PauseSendingRequest* request,
                                                        v1::PauseSendingResponse* response) {
  return runner_.Run(context, "OperatorService.PauseSending",
                     [this, request, response](const auth::Caller& caller) {
                       return Pause(caller, *request, *response);
                     });
}

grpc::ServerUnaryReactor* OperatorService::ResumeSending(grpc::CallbackServerContext* context,
                                                         const v1::ResumeSendingRequest* request,
                                                         v1::ResumeSendingResponse* response) {
  return runner_.Run(context, "OperatorService.ResumeSending",
                     [this, request, response](const auth::Caller& caller) {
                       return Resume(caller, *request, *response);
                     });
}

grpc::ServerUnaryReactor* OperatorService::ListPauses(grpc::CallbackServerContext* context,
                                                      const v1::ListPausesRequest* /*request*/,
                                                      v1::ListPausesResponse* response) {
  return runner_.Run(context, "OperatorService.ListPauses",
                     [this, response](const auth::Caller&) -> absl::Status {
                       absl::StatusOr<std::vector<core::Pause>> pauses = store_.ListPauses();
                       if (!pauses.ok()) return pauses.status();
                       for (const core::Pause& p : *pauses) {
                         PauseToProto(p, *response->add_pauses());
                       }
                       return absl::OkStatus();
                     });
}

absl::Status OperatorService::Pause(const auth::Caller& caller,
                                    const v1::PauseSendingRequest& request,
                                    v1::PauseSendingResponse& response) {
  absl::StatusOr<Scope> scope = ScopeFromProto(request.scope());
  if (!scope.ok()) return scope.status();
  absl::Status valid = CheckOperatorReason(request.reason());
  if (!valid.ok()) return valid;
  if (scope->scope == core::PauseScope::kTemplate && templates_ != nullptr) {
    // A misspelt name would pause nothing while the operator thinks it stopped.
    absl::StatusOr<core::Template> found =
        templates_->GetTemplate(scope->value, store::TemplateStore::kActiveVersion);
    if (absl::IsNotFound(found.status())) {
      return FieldError("scope.template_name",
                        core::StrCat("no template is named \"", scope->value, "\""));
    }
    if (!found.ok()) return found.status();
  }
  const core::Pause pause{.scope = scope->scope,
                          .value = scope->value,
                          .paused_by = caller.Principal(),
                          .reason = request.reason(),
                          .pause_time = clock_.Now()};
  absl::StatusOr<store::PauseChange> change = store_.AddPause(pause);
  if (!change.ok()) return change.status();
  const std::string method = "OperatorService.PauseSending";
  if (audit_ != nullptr) {
    absl::Status audited = audit_->Record(caller, method, Resource(pause.scope, pause.value), "",
                                          core::Sha256Hex(core::StrCat("paused\n", pause.reason)));
    if (!audited.ok()) audit_->Failed(method, audited);
  }
  if (pauses_changed_) pauses_changed_();
  PauseToProto(pause, *response.mutable_pause());
  response.set_held_count(change->held);
  return absl::OkStatus();
}

absl::Status OperatorService::Resume(const auth::Caller& caller,
                                     const v1::ResumeSendingRequest& request,
                                     v1::ResumeSendingResponse& response) {
  absl::StatusOr<Scope> scope = ScopeFromProto(request.scope());
  if (!scope.ok()) return scope.status();
  absl::Status valid = CheckOperatorReason(request.reason());
  if (!valid.ok()) return valid;
  absl::StatusOr<std::pair<core::Pause, store::PauseChange>> removed =
      store_.RemovePause(scope->scope, scope->value);
  if (!removed.ok()) return removed.status();
  const std::string method = "OperatorService.ResumeSending";
  if (audit_ != nullptr) {
    absl::Status audited =
        audit_->Record(caller, method, Resource(scope->scope, scope->value), "",
                       core::Sha256Hex(core::StrCat("resumed\n", request.reason())));
    if (!audited.ok()) audit_->Failed(method, audited);
  }
  if (pauses_changed_) pauses_changed_();
  PauseToProto(removed->first, *response.mutable_pause());
  response.set_released_count(removed->second.released);
  return absl::OkStatus();
}

}  // namespace herald::api
