#include "services/compose/render.h"

#include <algorithm>
#include <utility>

#include "services/compose/mustache.h"
#include "services/core/strings.h"

namespace herald::compose {
namespace {

absl::Status InPart(std::string_view name, const absl::Status& status) {
  return absl::Status(status.code(), core::StrCat(name, ": ", core::ToStd(status.message())));
}

absl::StatusOr<std::string> Part(std::string_view name, const std::string& source, Context data,
                                 const Partials& partials, Escape escape,
                                 TemplateCache& templates) {
  absl::StatusOr<std::shared_ptr<const CompiledTemplate>> compiled = templates.Get(source);
  if (!compiled.ok()) return InPart(name, compiled.status());
  std::string out;
  out.reserve(source.size() + source.size() / 2);
  absl::Status rendered = Render(**compiled, data, partials, escape, out);
  if (!rendered.ok()) return InPart(name, rendered);
  return out;
}

}  // namespace

absl::StatusOr<RenderedEmail> RenderEmail(const core::EmailContent& content, Context data,
                                          const Partials& partials, TemplateCache& templates) {
  RenderedEmail email;
  for (auto [name, source, target, escape] :
       {std::tuple{"email.subject", &content.subject, &email.subject, Escape::kNone},
        std::tuple{"email.text_body", &content.text_body, &email.text_body, Escape::kNone},
        std::tuple{"email.html_body", &content.html_body, &email.html_body, Escape::kHtml}}) {
    absl::StatusOr<std::string> part = Part(name, *source, data, partials, escape, templates);
    if (!part.ok()) return part.status();
    *target = *std::move(part);
  }
  return email;
}

absl::StatusOr<RenderedSms> RenderSms(const core::SmsContent& content, Context data,
                                      const Partials& partials, int max_segments,
                                      TemplateCache& templates) {
  absl::StatusOr<std::string> text =
      Part("sms.text", content.text, data, partials, Escape::kNone, templates);
  if (!text.ok()) return text.status();
  absl::StatusOr<SmsSize> size = MeasureSms(*text);
  if (!size.ok()) return size.status();
  const int limit = max_segments > 0 ? max_segments : kDefaultMaxSmsSegments;
  if (size->segments > limit) {
    return absl::InvalidArgumentError(core::StrCat(
        "sms.text renders to ", size->segments, " segments (", Name(size->encoding), ", ",
        size->units, size->encoding == SmsEncoding::kGsm7 ? " septets" : " UTF-16 units",
        "); the template allows ", limit));
  }
  return RenderedSms{*std::move(text), *size, limit};
}

absl::StatusOr<Partials> ReachedPartials(const std::vector<std::string_view>& sources,
                                         const std::map<std::string, std::string>& snippets,
                                         TemplateCache& templates) {
  Partials reached;
  for (std::string_view source : sources) {
    // (a compiled source, the partial it is; empty for the template itself)
    std::vector<std::pair<std::shared_ptr<const CompiledTemplate>, std::string_view>> pending;
    absl::StatusOr<std::shared_ptr<const CompiledTemplate>> compiled = templates.Get(source);
    if (!compiled.ok()) return compiled.status();
    pending.emplace_back(*std::move(compiled), std::string_view());
    while (!pending.empty()) {
      auto [next, includer] = std::move(pending.back());
      pending.pop_back();
      for (const MustacheTag& tag : next->includes()) {
        if (reached.Find(tag.name) != nullptr) continue;
        auto found = snippets.find(tag.name);
        if (found == snippets.end()) {
          return absl::FailedPreconditionError(
              core::StrCat("partial \"", tag.name, "\" (",
                           includer.empty() ? "" : core::StrCat("in \"", includer, "\", "), "line ",
                           tag.line, ", column ", tag.column, ") is not a stored snippet"));
        }
        absl::StatusOr<std::shared_ptr<const CompiledTemplate>> partial =
            templates.Get(found->second);
        if (!partial.ok()) return partial.status();
        reached.Add(found->first, *partial);
        pending.emplace_back(*std::move(partial), found->first);
      }
    }
  }
  return reached;
}

absl::Status CheckPartialsPresent(std::string_view source,
                                  const std::map<std::string, std::string>& snippets,
                                  TemplateCache& templates) {
  return ReachedPartials({source}, snippets, templates).status();
}

absl::StatusOr<Rendered> RenderContent(const core::LocalizedContent& content, Context data,
                                       const Partials& partials, int max_segments,
                                       TemplateCache& templates) {
  Rendered out;
  if (content.email) {
    absl::StatusOr<RenderedEmail> email = RenderEmail(*content.email, data, partials, templates);
    if (!email.ok()) return email.status();
    out.email = *std::move(email);
  }
  if (content.sms) {
    absl::StatusOr<RenderedSms> sms =
        RenderSms(*content.sms, data, partials, max_segments, templates);
    if (!sms.ok()) return sms.status();
    out.sms = *std::move(sms);
  }
  return out;
}

}  // namespace herald::compose
