#include "services/api/template_mapping.h"

#include <set>

#include "absl/strings/ascii.h"
#include "services/api/kind_mapping.h"
#include "services/api/status.h"
#include "services/api/time_mapping.h"
#include "services/compose/mustache.h"
#include "services/core/contact_validation.h"
#include "services/core/strings.h"

namespace herald::api {
namespace {

constexpr size_t kMaxDescription = 1024;
constexpr int kMaxSmsSegments = 20;
constexpr size_t kMaxSnippetBytes = 64 * 1024;

bool IsLowerAlnum(char c) { return absl::ascii_islower(c) || absl::ascii_isdigit(c); }

// "order.shipped": a domain and an event, each lowercase letters, digits and '_'.
bool IsEventType(std::string_view type) {
  const size_t dot = type.find('.');
  if (dot == 0 || dot == std::string_view::npos || dot + 1 == type.size()) return false;
  if (type.find('.', dot + 1) != std::string_view::npos) return false;
  for (char c : type) {
    if (!(IsLowerAlnum(c) || c == '_' || c == '.')) return false;
  }
  return true;
}

// A Mustache source that does not parse is refused with the place of the mistake.
absl::Status CheckSource(std::string_view source, const std::string& field) {
  absl::Status valid = compose::CheckMustacheSyntax(source);
  if (valid.ok()) return valid;
  return FieldError(field, core::StrCat("Mustache syntax: ", core::ToStd(valid.message())));
}

absl::StatusOr<core::LocalizedContent> ContentFromProto(const v1::LocalizedContent& proto,
                                                        const std::string& at) {
  core::LocalizedContent content;
  absl::StatusOr<std::string> locale = core::NormalizeLocale(proto.locale());
  if (!locale.ok()) return InField(core::StrCat(at, ".locale"), locale.status());
  content.locale = *locale;
  if (!proto.has_email() && !proto.has_sms()) {
    return FieldError(at, "has neither email nor sms content");
  }
  if (proto.has_email()) {
    const v1::EmailContent& email = proto.email();
    if (email.subject().empty())
      return FieldError(core::StrCat(at, ".email.subject"), "must be set");
    if (email.text_body().empty()) {
      return FieldError(core::StrCat(at, ".email.text_body"),
                        "must be set (every email has a plain text part)");
    }
    for (const auto& [field, source] :
         {std::pair{"subject", &email.subject()}, std::pair{"text_body", &email.text_body()},
          std::pair{"html_body", &email.html_body()}}) {
      absl::Status valid = CheckSource(*source, core::StrCat(at, ".email.", field));
      if (!valid.ok()) return valid;
    }
    content.email = core::EmailContent{email.subject(), email.text_body(), email.html_body()};
  }
  if (proto.has_sms()) {
    if (proto.sms().text().empty()) return FieldError(core::StrCat(at, ".sms.text"), "must be set");
    absl::Status valid = CheckSource(proto.sms().text(), core::StrCat(at, ".sms.text"));
    if (!valid.ok()) return valid;
    content.sms = core::SmsContent{proto.sms().text()};
  }
  return content;
}

}  // namespace

absl::Status ValidateTemplateName(std::string_view name, std::string_view field) {
  if (name.empty()) return FieldError(field, "must be set");
  if (name.size() > 63) return FieldError(field, "is longer than 63 characters");
  if (!IsLowerAlnum(name.front())) {
    return FieldError(field,
                      core::StrCat("\"", name, "\" must start with a lowercase letter or digit"));
  }
  for (char c : name) {
    if (!IsLowerAlnum(c) && c != '-') {
      return FieldError(field, core::StrCat("\"", name, "\" contains '", std::string(1, c),
                                            "'; use lowercase letters, digits and '-'"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<core::Template> TemplateFromProto(const v1::Template& proto, std::string_view field,
                                                 core::Time now) {
  core::Template t;
  absl::Status status = ValidateTemplateName(proto.name(), core::StrCat(field, ".name"));
  if (!status.ok()) return status;
  t.name = proto.name();
  if (proto.description().size() > kMaxDescription) {
    return FieldError(core::StrCat(field, ".description"),
                      core::StrCat("is longer than ", kMaxDescription, " bytes"));
  }
  t.description = proto.description();

  auto category = FromProto(proto.category());
  if (!category) return FieldError(core::StrCat(field, ".category"), "must be set");
  t.category = *category;

  if (proto.event_types_size() == 0) {
    return FieldError(core::StrCat(field, ".event_types"),
                      "must name at least one event type, e.g. \"order.shipped\"");
  }
  std::set<std::string> types;
  for (int i = 0; i < proto.event_types_size(); ++i) {
    const std::string& type = proto.event_types(i);
    const std::string at = core::StrCat(field, ".event_types[", i, "]");
    if (!IsEventType(type)) {
      return FieldError(at,
                        core::StrCat("\"", type, "\" is not an event type like \"order.shipped\""));
    }
    if (!types.insert(type).second)
      return FieldError(at, core::StrCat("\"", type, "\" is listed twice"));
    t.event_types.push_back(type);
  }

  if (proto.priority() == v1::PRIORITY_UNSPECIFIED) {
    t.priority = core::Priority::kNormal;
  } else if (auto priority = FromProto(proto.priority())) {
    t.priority = *priority;
  } else {
    return FieldError(core::StrCat(field, ".priority"), "is not a known priority");
  }

  if (proto.contents_size() == 0) {
    return FieldError(core::StrCat(field, ".contents"),
                      "must have content for at least one locale");
  }
  std::set<std::string> locales;
  for (int i = 0; i < proto.contents_size(); ++i) {
    const std::string at = core::StrCat(field, ".contents[", i, "]");
    absl::StatusOr<core::LocalizedContent> content = ContentFromProto(proto.contents(i), at);
    if (!content.ok()) return content.status();
    if (!locales.insert(content->locale).second) {
      return FieldError(core::StrCat(at, ".locale"),
                        core::StrCat("\"", content->locale, "\" has content twice"));
    }
    t.contents.push_back(*std::move(content));
  }

  const std::string default_field = core::StrCat(field, ".default_locale");
  if (proto.default_locale().empty()) return FieldError(default_field, "must be set");
  absl::StatusOr<std::string> default_locale = core::NormalizeLocale(proto.default_locale());
  if (!default_locale.ok()) return InField(default_field, default_locale.status());
  if (!locales.contains(*default_locale)) {
    return FieldError(default_field,
                      core::StrCat("\"", *default_locale, "\" has no entry in contents"));
  }
  t.default_locale = *default_locale;

  if (proto.max_sms_segments() < 0 || proto.max_sms_segments() > kMaxSmsSegments) {
    return FieldError(core::StrCat(field, ".max_sms_segments"),
                      core::StrCat("must be 0 (server default) to ", kMaxSmsSegments));
  }
  t.max_sms_segments = proto.max_sms_segments();
  t.update_time = now;
  return t;
}

absl::StatusOr<core::Snippet> SnippetFromProto(const v1::Snippet& proto, std::string_view field,
                                               core::Time now) {
  core::Snippet s;
  absl::Status status = ValidateTemplateName(proto.name(), core::StrCat(field, ".name"));
  if (!status.ok()) return status;
  s.name = proto.name();
  if (proto.description().size() > kMaxDescription) {
    return FieldError(core::StrCat(field, ".description"),
                      core::StrCat("is longer than ", kMaxDescription, " bytes"));
  }
  s.description = proto.description();
  const std::string text_field = core::StrCat(field, ".text");
  if (proto.text().empty()) return FieldError(text_field, "must be set");
  if (proto.text().size() > kMaxSnippetBytes) {
    return FieldError(text_field, core::StrCat("is longer than ", kMaxSnippetBytes, " bytes"));
  }
  status = CheckSource(proto.text(), text_field);
  if (!status.ok()) return status;
  s.text = proto.text();
  s.update_time = now;
  return s;
}

v1::Snippet SnippetToProto(const core::Snippet& s) {
  v1::Snippet proto;
  proto.set_name(s.name);
  proto.set_description(s.description);
  proto.set_text(s.text);
  *proto.mutable_create_time() = ToProto(s.create_time);
  *proto.mutable_update_time() = ToProto(s.update_time);
  return proto;
}

v1::Template TemplateToProto(const core::Template& t) {
  v1::Template proto;
  proto.set_name(t.name);
  proto.set_description(t.description);
  proto.set_category(ToProto(t.category));
  for (const std::string& type : t.event_types) proto.add_event_types(type);
  proto.set_priority(ToProto(t.priority));
  proto.set_default_locale(t.default_locale);
  for (const core::LocalizedContent& c : t.contents) {
    v1::LocalizedContent* out = proto.add_contents();
    out->set_locale(c.locale);
    if (c.email) {
      out->mutable_email()->set_subject(c.email->subject);
      out->mutable_email()->set_text_body(c.email->text_body);
      out->mutable_email()->set_html_body(c.email->html_body);
    }
    if (c.sms) out->mutable_sms()->set_text(c.sms->text);
  }
  proto.set_max_sms_segments(t.max_sms_segments);
  proto.set_active_version(t.active_version);
  proto.set_version(t.version);
  *proto.mutable_create_time() = ToProto(t.create_time);
  *proto.mutable_update_time() = ToProto(t.update_time);
  return proto;
}

}  // namespace herald::api
