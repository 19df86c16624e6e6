#include "services/api/template_service.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "services/api/page_token.h"
#include "services/api/preview_data.h"
#include "services/api/status.h"
#include "services/api/template_mapping.h"
#include "services/api/template_variables.h"
#include "services/api/update_mask.h"
#include "services/compose/compose.h"
#include "services/compose/json_data.h"
#include "services/compose/localize.h"
#include "services/compose/mustache.h"
#include "services/compose/render.h"
#include "services/core/audit.h"
#include "services/core/contact_validation.h"
#include "services/core/strings.h"

namespace herald::api {
namespace {

constexpr char kListing[] = "templates";

// Whether two versions say the same thing; version numbers and times do not count.
bool SameContent(core::Template a, core::Template b) {
  a.version = b.version = 0;
  a.active_version = b.active_version = 0;
  a.create_time = b.create_time = {};
  a.update_time = b.update_time = {};
  return a == b;
}

}  // namespace

grpc::ServerUnaryReactor* TemplateService::CreateTemplate(grpc::CallbackServerContext* context,
                                                          const v1::CreateTemplateRequest* request,
                                                          v1::CreateTemplateResponse* response) {
  return runner_.Run(context, "TemplateService.CreateTemplate", *request, *response,
                     [=, this](const auth::Caller&) { return Create(*request, *response); });
}

grpc::ServerUnaryReactor* TemplateService::GetTemplate(grpc::CallbackServerContext* context,
                                                       const v1::GetTemplateRequest* request,
                                                       v1::GetTemplateResponse* response) {
  return runner_.Run(context, "TemplateService.GetTemplate",
                     [=, this] { return Get(*request, *response); });
}

grpc::ServerUnaryReactor* TemplateService::ListTemplates(grpc::CallbackServerContext* context,
                                                         const v1::ListTemplatesRequest* request,
                                                         v1::ListTemplatesResponse* response) {
  return runner_.Run(context, "TemplateService.ListTemplates",
                     [=, this] { return List(*request, *response); });
}

grpc::ServerUnaryReactor* TemplateService::UpdateTemplate(grpc::CallbackServerContext* context,
                                                          const v1::UpdateTemplateRequest* request,
                                                          v1::UpdateTemplateResponse* response) {
  return runner_.Run(context, "TemplateService.UpdateTemplate", *request, *response,
                     [=, this](const auth::Caller&) { return Update(*request, *response); });
}

grpc::ServerUnaryReactor* TemplateService::DeleteTemplate(grpc::CallbackServerContext* context,
                                                          const v1::DeleteTemplateRequest* request,
                                                          v1::DeleteTemplateResponse* response) {
  return runner_.Run(context, "TemplateService.DeleteTemplate", *request, *response,
                     [=, this](const auth::Caller&) { return Delete(*request); });
}

grpc::ServerUnaryReactor* TemplateService::ActivateTemplate(
    grpc::CallbackServerContext* context, const v1::ActivateTemplateRequest* request,
    v1::ActivateTemplateResponse* response) {
  return runner_.Run(context, "TemplateService.ActivateTemplate", *request, *response,
                     [=, this](const auth::Caller&) { return Activate(*request, *response); });
}

absl::Status TemplateService::Activate(const v1::ActivateTemplateRequest& request,
                                       v1::ActivateTemplateResponse& response) {
  absl::Status valid = ValidateTemplateName(request.name(), "name");
  if (!valid.ok()) return valid;
  if (request.version() < 1) return FieldError("version", "must be a version, 1 or more");
  // A version whose snippets are gone would fail every message: refused, naming them.
  absl::StatusOr<core::Template> version = store_.GetTemplate(request.name(), request.version());
  if (!version.ok()) return version.status();
  absl::StatusOr<std::map<std::string, std::string>> snippets = Snippets();
  if (!snippets.ok()) return snippets.status();
  std::set<std::string> names;
  for (const auto& [name, text] : *snippets) names.insert(name);
  std::vector<std::string> missing = MissingPartials(*version, names);
  if (!missing.empty()) {
    return absl::FailedPreconditionError(
        core::StrCat("version ", request.version(), " of template \"", request.name(),
                     "\" includes snippets that no longer exist: ", absl::StrJoin(missing, "; ")));
  }
  auto active = store_.ActivateTemplateVersion(request.name(), request.version());
  if (!active.ok()) return active.status();
  *response.mutable_template_() = TemplateToProto(*active);
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* TemplateService::PreviewTemplate(
    grpc::CallbackServerContext* context, const v1::PreviewTemplateRequest* request,
    v1::PreviewTemplateResponse* response) {
  return runner_.Run(context, "TemplateService.PreviewTemplate",
                     [=, this] { return Preview(*request, *response); });
}

absl::Status TemplateService::Preview(const v1::PreviewTemplateRequest& request,
                                      v1::PreviewTemplateResponse& response) {
  absl::StatusOr<core::Template> tmpl;
  switch (request.source_case()) {
    case v1::PreviewTemplateRequest::kName: {
      absl::Status valid = ValidateTemplateName(request.name(), "name");
      if (!valid.ok()) return valid;
      if (request.version() < 0) return FieldError("version", "must be 0 (latest) or positive");
      tmpl = store_.GetTemplate(request.name(), request.version() == 0
                                                    ? store::TemplateStore::kActiveVersion
                                                    : request.version());
      break;
    }
    case v1::PreviewTemplateRequest::kTemplate:
      if (request.version() != 0) {
        return FieldError("version", "is only for a stored template (name)");
      }
      tmpl = TemplateFromProto(request.template_(), "template", clock_.Now());
      break;
    default:
      return FieldError("name", "must be set (or template, for an unsaved one)");
  }
  if (!tmpl.ok()) return tmpl.status();
  std::optional<PreviewSubject> subject;
  if (!request.customer_id().empty() || !request.event_id().empty()) {
    absl::StatusOr<PreviewSubject> loaded =
        LoadPreviewSubject(preview_, request.customer_id(), request.event_id());
    if (!loaded.ok()) return loaded.status();
    subject = *std::move(loaded);
  }
  const core::Profile* profile = subject && subject->profile ? &*subject->profile : nullptr;
  std::string locale;
  if (!request.locale().empty()) {
    absl::StatusOr<std::string> normalized = core::NormalizeLocale(request.locale());
    if (!normalized.ok()) return InField("locale", normalized.status());
    locale = *normalized;
  } else if (subject) {
    locale = compose::CustomerLocale(subject->event, profile);  // theirs, as when sending
  }
  const core::LocalizedContent* content = compose::SelectContent(*tmpl, locale);
  if (content == nullptr) {
    return absl::FailedPreconditionError(core::StrCat("template \"", tmpl->name,
                                                      "\" has no content for its default locale ",
                                                      tmpl->default_locale));
  }
  for (const auto& [name, source] : request.partials()) {
    absl::Status valid = compose::CheckMustacheSyntax(source);
    if (!valid.ok()) {
      return FieldError(core::StrCat("partials[\"", name, "\"]"),
                        core::StrCat("Mustache syntax: ", core::ToStd(valid.message())));
    }
  }
  // The request's partials take the place of stored snippets of the same name.
  absl::StatusOr<std::map<std::string, std::string>> partials = Snippets();
  if (!partials.ok()) return partials.status();
  for (const auto& [name, source] : request.partials()) (*partials)[name] = source;
  std::vector<std::string_view> parts;
  if (content->email) {
    parts = {content->email->subject, content->email->text_body, content->email->html_body};
  }
  if (content->sms) parts.push_back(content->sms->text);
  for (std::string_view part : parts) {
    absl::Status present = compose::CheckPartialsPresent(part, *partials);
    if (!present.ok()) {
      return absl::FailedPreconditionError(
          core::StrCat(present.message(), " and is not in the request's partials"));
    }
  }
  absl::StatusOr<compose::Partials> reached = compose::ReachedPartials(parts, *partials);
  if (!reached.ok()) return reached.status();
  google::protobuf::Value json;
  *json.mutable_struct_value() = request.data();
  const compose::Value data = compose::ValueFromJson(json);
  std::vector<const compose::Value*> context;
  absl::StatusOr<compose::Value> real;  // the customer's and the event's, under `data`
  if (subject) {
    const std::string customer_locale(compose::CustomerLocale(subject->event, profile));
    // As when sending: dates and money in the customer's locale when the content is in
    // their language, else in the content's.
    const bool same_language =
        absl::AsciiStrToLower(customer_locale.substr(0, customer_locale.find('-'))) ==
        absl::AsciiStrToLower(content->locale.substr(0, content->locale.find('-')));
    real = PreviewData(preview_, *subject, same_language ? customer_locale : content->locale,
                       customer_locale.empty() ? content->locale : customer_locale);
    if (!real.ok()) return real.status();
    context.push_back(&*real);
  }
  context.push_back(&data);
  absl::StatusOr<compose::Rendered> rendered = compose::RenderContent(
      *content, context, *reached,
      tmpl->max_sms_segments > 0 ? tmpl->max_sms_segments : max_sms_segments_);
  if (!rendered.ok()) return rendered.status();
  response.set_version(tmpl->version);
  response.set_locale(content->locale);
  if (rendered->email) {
    v1::RenderedEmail* email = response.mutable_email();
    email->set_subject(rendered->email->subject);
    email->set_text_body(rendered->email->text_body);
    email->set_html_body(rendered->email->html_body);
  }
  if (rendered->sms) {
    v1::RenderedSms* sms = response.mutable_sms();
    sms->set_text(rendered->sms->text);
    sms->set_encoding(rendered->sms->size.encoding == compose::SmsEncoding::kGsm7
                          ? v1::SMS_ENCODING_GSM_7
                          : v1::SMS_ENCODING_UCS_2);
    sms->set_units(rendered->sms->size.units);
    sms->set_segments(rendered->sms->size.segments);
    sms->set_max_segments(rendered->sms->max_segments);
  }
  for (std::string& warning : UnknownVariables(*tmpl)) response.add_warnings(std::move(warning));
  return absl::OkStatus();
}

absl::Status TemplateService::Create(const v1::CreateTemplateRequest& request,
                                     v1::CreateTemplateResponse& response) {
  if (!request.has_template_()) return FieldError("template", "must be set");
  absl::StatusOr<core::Template> candidate =
      TemplateFromProto(request.template_(), "template", clock_.Now());
  if (!candidate.ok()) return candidate.status();
  absl::StatusOr<core::Template> stored = store_.AddTemplateVersion(
      candidate->name,
      [&](const core::Template* latest) -> absl::StatusOr<std::optional<core::Template>> {
        if (latest != nullptr) {
          return absl::AlreadyExistsError(
              core::StrCat("template \"", latest->name, "\" already exists (at version ",
                           latest->version, "); use UpdateTemplate for a new version"));
        }
        return *candidate;
      });
  if (!stored.ok()) return stored.status();
  *response.mutable_template_() = TemplateToProto(*stored);
  absl::StatusOr<std::vector<std::string>> warnings = Warnings(*stored);
  if (!warnings.ok()) return warnings.status();
  for (std::string& warning : *warnings) response.add_warnings(std::move(warning));
  return absl::OkStatus();
}

absl::Status TemplateService::Get(const v1::GetTemplateRequest& request,
                                  v1::GetTemplateResponse& response) {
  absl::Status valid = ValidateTemplateName(request.name(), "name");
  if (!valid.ok()) return valid;
  if (request.version() < 0) return FieldError("version", "must be 0 (latest) or positive");
  absl::StatusOr<core::Template> tmpl = store_.GetTemplate(request.name(), request.version());
  if (!tmpl.ok()) return tmpl.status();
  *response.mutable_template_() = TemplateToProto(*tmpl);
  return absl::OkStatus();
}

absl::Status TemplateService::List(const v1::ListTemplatesRequest& request,
                                   v1::ListTemplatesResponse& response) {
  absl::StatusOr<int> size = EffectivePageSize(request.page_size());
  if (!size.ok()) return size.status();
  absl::StatusOr<std::string> after = DecodePageToken(kListing, request.page_token());
  if (!after.ok()) return after.status();
  auto page = store_.ListTemplates(*after, *size);
  if (!page.ok()) return page.status();
  for (const core::Template& t : page->items) *response.add_templates() = TemplateToProto(t);
  if (page->next_after) response.set_next_page_token(EncodePageToken(kListing, *page->next_after));
  return absl::OkStatus();
}

absl::Status TemplateService::Update(const v1::UpdateTemplateRequest& request,
                                     v1::UpdateTemplateResponse& response) {
  if (!request.has_template_()) return FieldError("template", "must be set");
  const std::string& name = request.template_().name();
  absl::Status valid = ValidateTemplateName(name, "template.name");
  if (!valid.ok()) return valid;
  const core::Time now = clock_.Now();
  absl::StatusOr<core::Template> stored = store_.AddTemplateVersion(
      name, [&](const core::Template* latest) -> absl::StatusOr<std::optional<core::Template>> {
        if (latest == nullptr) {
          return absl::NotFoundError(core::StrCat("template \"", name, "\" not found"));
        }
        v1::Template merged = TemplateToProto(*latest);
        absl::Status applied =
            ApplyUpdateMask(request.template_(), request.update_mask(),
                            {"name", "version", "create_time", "update_time"}, merged);
        if (!applied.ok()) return applied;
        absl::StatusOr<core::Template> next = TemplateFromProto(merged, "template", now);
        if (!next.ok()) return next.status();
        // Re-applying the same content (templates kept as code) makes no new version.
        if (SameContent(*next, *latest)) return std::nullopt;
        return *std::move(next);
      });
  if (!stored.ok()) return stored.status();
  *response.mutable_template_() = TemplateToProto(*stored);
  absl::StatusOr<std::vector<std::string>> warnings = Warnings(*stored);
  if (!warnings.ok()) return warnings.status();
  for (std::string& warning : *warnings) response.add_warnings(std::move(warning));
  return absl::OkStatus();
}

absl::Status TemplateService::Delete(const v1::DeleteTemplateRequest& request) {
  absl::Status valid = ValidateTemplateName(request.name(), "name");
  if (!valid.ok()) return valid;
  absl::Status deleted = store_.DeleteTemplate(request.name());
  if (absl::IsNotFound(deleted) && request.allow_missing()) return absl::OkStatus();
  return deleted;
}

absl::StatusOr<std::map<std::string, std::string>> TemplateService::Snippets() {
  absl::StatusOr<std::vector<core::Snippet>> snippets = store_.ListSnippets();
  if (!snippets.ok()) return snippets.status();
  std::map<std::string, std::string> out;
  for (core::Snippet& s : *snippets) out.emplace(std::move(s.name), std::move(s.text));
  return out;
}

absl::StatusOr<std::vector<std::string>> TemplateService::Warnings(const core::Template& tmpl) {
  std::vector<std::string> out = UnknownVariables(tmpl);
  absl::StatusOr<std::map<std::string, std::string>> snippets = Snippets();
  if (!snippets.ok()) return snippets.status();
  std::set<std::string> names;
  for (const auto& [name, text] : *snippets) names.insert(name);
  for (std::string& warning : MissingPartials(tmpl, names)) out.push_back(std::move(warning));
  return out;
}

grpc::ServerUnaryReactor* TemplateService::SendTestMessage(
    grpc::CallbackServerContext* context, const v1::SendTestMessageRequest* request,
    v1::SendTestMessageResponse* response) {
  return runner_.Run(context, "TemplateService.SendTestMessage",
                     [this, request, response](const auth::Caller& caller) {
                       return SendTest(caller, *request, *response);
                     });
}

absl::Status TemplateService::SendTest(const auth::Caller& caller,
                                       const v1::SendTestMessageRequest& request,
                                       v1::SendTestMessageResponse& response) {
  if (!test_sender_) return absl::UnimplementedError("test sends are not configured here");
  const std::string typed(absl::StripAsciiWhitespace(request.address()));
  core::RenderedMessage message;
  switch (request.channel()) {
    case v1::CHANNEL_EMAIL: {
      message.channel = core::Channel::kEmail;
      absl::StatusOr<std::string> address = core::NormalizeEmail(typed);
      if (!address.ok()) return InField("address", address.status());
      message.address = *address;
      break;
    }
    case v1::CHANNEL_SMS: {
      message.channel = core::Channel::kSms;
      absl::StatusOr<std::string> address = core::NormalizePhone(typed);
      if (!address.ok()) return InField("address", address.status());
      message.address = *address;
      break;
    }
    default:
      return FieldError("channel", "must be CHANNEL_EMAIL or CHANNEL_SMS");
  }
  v1::PreviewTemplateResponse rendered;
  absl::Status previewed = Preview(request.preview(), rendered);
  if (!previewed.ok()) return InField("preview", previewed);
  constexpr std::string_view kMark = "[TEST] ";
  message.locale = rendered.locale();
  message.render_time = clock_.Now();
  if (message.channel == core::Channel::kEmail) {
    if (!rendered.has_email()) {
      return absl::FailedPreconditionError(
          core::StrCat("the content in ", rendered.locale(), " has no email"));
    }
    message.subject = core::StrCat(kMark, rendered.email().subject());
    message.text_body = rendered.email().text_body();
    message.html_body = rendered.email().html_body();
  } else {
    if (!rendered.has_sms()) {
      return absl::FailedPreconditionError(
          core::StrCat("the content in ", rendered.locale(), " has no SMS"));
    }
    message.sms_text = core::StrCat(kMark, rendered.sms().text());
    message.sms_encoding = rendered.sms().encoding() == v1::SMS_ENCODING_GSM_7 ? "GSM_7" : "UCS_2";
    message.sms_units = rendered.sms().units();
    message.sms_segments = rendered.sms().segments();
  }
  const std::string name = request.preview().has_template_() ? request.preview().template_().name()
                                                             : request.preview().name();
  absl::StatusOr<TestSendResult> sent = test_sender_(message);
  if (!sent.ok()) return sent.status();
  response.set_provider_message_id(sent->provider_message_id);
  response.set_detail(core::ToValidUtf8(sent->detail));
  if (audit_ != nullptr) {
    // What was sent where, by whom: the digest names the address without keeping it.
    absl::Status recorded = audit_->Record(
        caller, "TemplateService.SendTestMessage", core::StrCat("templates/", name), "",
        core::Sha256Hex(core::StrCat(message.address, "\n", message.subject, message.sms_text)));
    if (!recorded.ok()) audit_->Failed("TemplateService.SendTestMessage", recorded);
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* TemplateService::CreateSnippet(grpc::CallbackServerContext* context,
                                                         const v1::CreateSnippetRequest* request,
                                                         v1::CreateSnippetResponse* response) {
  return runner_.Run(context, "TemplateService.CreateSnippet", *request, *response,
                     [=, this](const auth::Caller&) {
                       if (!request->has_snippet()) return FieldError("snippet", "must be set");
                       return PutSnippet(request->snippet(), /*must_exist=*/false,
                                         *response->mutable_snippet(),
                                         *response->mutable_warnings());
                     });
}

grpc::ServerUnaryReactor* TemplateService::UpdateSnippet(grpc::CallbackServerContext* context,
                                                         const v1::UpdateSnippetRequest* request,
                                                         v1::UpdateSnippetResponse* response) {
  return runner_.Run(context, "TemplateService.UpdateSnippet", *request, *response,
                     [=, this](const auth::Caller&) {
                       if (!request->has_snippet()) return FieldError("snippet", "must be set");
                       return PutSnippet(request->snippet(), /*must_exist=*/true,
                                         *response->mutable_snippet(),
                                         *response->mutable_warnings());
                     });
}

grpc::ServerUnaryReactor* TemplateService::GetSnippet(grpc::CallbackServerContext* context,
                                                      const v1::GetSnippetRequest* request,
                                                      v1::GetSnippetResponse* response) {
  return runner_.Run(context, "TemplateService.GetSnippet", [=, this]() -> absl::Status {
    absl::Status valid = ValidateTemplateName(request->name(), "name");
    if (!valid.ok()) return valid;
    absl::StatusOr<core::Snippet> snippet = store_.GetSnippet(request->name());
    if (!snippet.ok()) return snippet.status();
    *response->mutable_snippet() = SnippetToProto(*snippet);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* TemplateService::ListSnippets(grpc::CallbackServerContext* context,
                                                        const v1::ListSnippetsRequest*,
                                                        v1::ListSnippetsResponse* response) {
  return runner_.Run(context, "TemplateService.ListSnippets", [=, this]() -> absl::Status {
    absl::StatusOr<std::vector<core::Snippet>> snippets = store_.ListSnippets();
    if (!snippets.ok()) return snippets.status();
    for (const core::Snippet& s : *snippets) *response->add_snippets() = SnippetToProto(s);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* TemplateService::DeleteSnippet(grpc::CallbackServerContext* context,
                                                         const v1::DeleteSnippetRequest* request,
                                                         v1::DeleteSnippetResponse* response) {
  return runner_.Run(context, "TemplateService.DeleteSnippet", *request, *response,
                     [=, this](const auth::Caller&) { return RemoveSnippet(*request); });
}

absl::Status TemplateService::PutSnippet(
    const v1::Snippet& proto, bool must_exist, v1::Snippet& stored,
    google::protobuf::RepeatedPtrField<std::string>& warnings) {
  absl::StatusOr<core::Snippet> snippet = SnippetFromProto(proto, "snippet", clock_.Now());
  if (!snippet.ok()) return snippet.status();
  // The circle check sees every snippet as it will be: one snippet write at a time.
  std::lock_guard lock(snippet_writes_);
  absl::StatusOr<std::map<std::string, std::string>> snippets = Snippets();
  if (!snippets.ok()) return snippets.status();
  (*snippets)[snippet->name] = snippet->text;
  absl::StatusOr<core::Snippet> put = store_.PutSnippet(*snippet, must_exist);
  if (!put.ok()) return put.status();
  stored = SnippetToProto(*put);
  // Snippets including each other is recursion, which Mustache allows (a snippet
  // walking a tree includes itself); only data that never ends it fails, when rendered.
  if (std::optional<std::string> cycle = compose::FindPartialCycle(*snippets, snippet->name)) {
    warnings.Add(core::StrCat("snippet.text: partials include each other in a circle: ", *cycle,
                              "; a message renders only while its data ends the recursion"));
  }
  return absl::OkStatus();
}

absl::Status TemplateService::RemoveSnippet(const v1::DeleteSnippetRequest& request) {
  absl::Status valid = ValidateTemplateName(request.name(), "name");
  if (!valid.ok()) return valid;
  // Refused while an active template version includes it, directly or through other
  // snippets: its messages would fail.
  std::lock_guard lock(snippet_writes_);
  absl::StatusOr<std::map<std::string, std::string>> snippets = Snippets();
  if (!snippets.ok()) return snippets.status();
  std::vector<std::string> users;
  std::string after;
  while (true) {
    absl::StatusOr<store::Page<core::Template>> page = store_.ListTemplates(after, 500);
    if (!page.ok()) return page.status();
    for (const core::Template& latest : page->items) {
      absl::StatusOr<core::Template> active =
          latest.active_version == latest.version
              ? absl::StatusOr<core::Template>(latest)
              : store_.GetTemplate(latest.name, store::TemplateStore::kActiveVersion);
      if (!active.ok()) return active.status();
      if (IncludedSnippets(*active, *snippets).contains(request.name())) {
        users.push_back(active->name);
      }
    }
    if (!page->next_after) break;
    after = *page->next_after;
  }
  std::vector<std::string> includers;  // snippets that include it
  for (const auto& [name, text] : *snippets) {
    if (name == request.name()) continue;
    absl::StatusOr<std::vector<compose::MustacheTag>> tags = compose::ParseMustacheTags(text);
    if (tags.ok() && std::any_of(tags->begin(), tags->end(), [&](const compose::MustacheTag& t) {
          return t.kind == compose::MustacheTag::Kind::kPartial && t.name == request.name();
        })) {
      includers.push_back(name);
    }
  }
  if (!users.empty()) {
    return absl::FailedPreconditionError(core::StrCat(
        "snippet \"", request.name(), "\" is included by the active version of ",
        absl::StrJoin(users, ", "),
        includers.empty() ? ""
                          : core::StrCat(" (through snippet ", absl::StrJoin(includers, ", "), ")"),
        "; change those templates first"));
  }
  absl::Status deleted = store_.DeleteSnippet(request.name());
  if (absl::IsNotFound(deleted) && request.allow_missing()) return absl::OkStatus();
  return deleted;
}

}  // namespace herald::api
