#include "services/api/audit_trail.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <spdlog/spdlog.h>

#include <utility>
#include <vector>

#include "services/api/key_service.h"
#include "services/api/profile_mapping.h"
#include "services/api/template_mapping.h"
#include "services/core/audit.h"
#include "services/core/strings.h"

namespace herald::api {
namespace {

// Every method that changes something, and where its resource is named.
const std::vector<std::pair<std::string_view, AuditedMethod>>& Audited() {
  static const auto* const kAudited = new std::vector<std::pair<std::string_view, AuditedMethod>>{
      {"ProfileService.CreateProfile", {"profiles", "profile.customer_id", ""}},
      {"ProfileService.UpdateProfile", {"profiles", "profile.customer_id", ""}},
      {"ProfileService.DeleteProfile", {"profiles", "customer_id", ""}},
      {"TemplateService.CreateTemplate", {"templates", "template.name", ""}},
      {"TemplateService.UpdateTemplate", {"templates", "template.name", ""}},
      {"TemplateService.DeleteTemplate", {"templates", "name", ""}},
      {"TemplateService.ActivateTemplate", {"templates", "name", ""}},
      {"TemplateService.CreateSnippet", {"snippets", "snippet.name", ""}},
      {"TemplateService.UpdateSnippet", {"snippets", "snippet.name", ""}},
      {"TemplateService.DeleteSnippet", {"snippets", "name", ""}},
      // An export changes nothing; it is recorded because it reads everything.
      {"PrivacyService.EraseCustomer", {"profiles", "customer_id", ""}},
      {"PrivacyService.ExportCustomer", {"profiles", "customer_id", ""}},
      {"KeyService.CreateApiKey", {"api-keys", "", "api_key.id"}},
      {"KeyService.RevokeApiKey", {"api-keys", "id", ""}},
  };
  return *kAudited;
}

// The same message always gives the same bytes (map order fixed).
std::string Deterministic(const google::protobuf::Message& message) {
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  message.SerializeToCodedStream(&coded);
  coded.Trim();
  return bytes;
}

template <typename T, typename ToProto>
absl::StatusOr<std::string> DigestOf(const absl::StatusOr<T>& state, ToProto to_proto) {
  if (absl::IsNotFound(state.status())) return std::string();
  if (!state.ok()) return state.status();
  return core::Sha256Hex(Deterministic(to_proto(*state)));
}

}  // namespace

const AuditedMethod* AuditedMethodFor(std::string_view method) {
  for (const auto& [name, audited] : Audited()) {
    if (name == method) return &audited;
  }
  return nullptr;
}

std::string FieldText(const google::protobuf::Message& message, std::string_view path) {
  const google::protobuf::Message* at = &message;
  while (!path.empty()) {
    const size_t dot = path.find('.');
    const std::string name(path.substr(0, dot));
    const google::protobuf::FieldDescriptor* field = at->GetDescriptor()->FindFieldByName(name);
    if (field == nullptr || field->is_repeated()) return "";
    if (dot == std::string_view::npos) {
      return field->type() == google::protobuf::FieldDescriptor::TYPE_STRING
                 ? at->GetReflection()->GetString(*at, field)
                 : "";
    }
    if (field->type() != google::protobuf::FieldDescriptor::TYPE_MESSAGE) return "";
    at = &at->GetReflection()->GetMessage(*at, field);
    path = path.substr(dot + 1);
  }
  return "";
}

AuditTrail::AuditTrail(store::Store& store, const core::Clock& clock,
                       prometheus::Registry& registry)
    : store_(store),
      clock_(clock),
      recorded_(prometheus::BuildCounter()
                    .Name("herald_audit_records_total")
                    .Help("Changes made through the API recorded in the audit trail, and "
                          "those that could not be")
                    .Register(registry)
                    .Add({{"result", "recorded"}})),
      failed_(prometheus::BuildCounter()
                  .Name("herald_audit_records_total")
                  .Help("")
                  .Register(registry)
                  .Add({{"result", "failed"}})) {}

absl::StatusOr<std::string> AuditTrail::Digest(std::string_view kind, const std::string& id) {
  if (id.empty()) return std::string();
  if (kind == "profiles") return DigestOf(store_.GetProfile(id), ProfileToProto);
  if (kind == "templates") return DigestOf(store_.GetTemplate(id, 0), TemplateToProto);
  if (kind == "snippets") return DigestOf(store_.GetSnippet(id), SnippetToProto);
  if (kind == "api-keys") return DigestOf(store_.GetApiKey(id), ApiKeyToProto);
  return absl::InternalError(core::StrCat("no digest for resources of kind ", kind));
}

absl::Status AuditTrail::Record(const auth::Caller& caller, std::string_view method,
                                std::string resource, std::string before, std::string after) {
  absl::StatusOr<core::AuditRecord> stored = store_.AppendAudit({.time = clock_.Now(),
                                                                 .principal = caller.Principal(),
                                                                 .method = std::string(method),
                                                                 .resource = std::move(resource),
                                                                 .before_sha256 = std::move(before),
                                                                 .after_sha256 = std::move(after)});
  if (!stored.ok()) return stored.status();
  recorded_.Increment();
  return absl::OkStatus();
}

void AuditTrail::Failed(std::string_view method, const absl::Status& status) {
  failed_.Increment();
  spdlog::error(
      "msg=\"a change was made but not recorded in the audit trail\" method={} "
      "error=\"{}\"",
      method, status.ToString());
}

}  // namespace herald::api
