#include "services/compose/render.h"

#include "services/compose/mustache.h"
#include "services/core/strings.h"

namespace herald::compose {
namespace {

absl::StatusOr<std::string> Part(std::string_view name, const std::string& source,
                                 const mstch::node& data,
                                 const std::map<std::string, std::string>& partials,
                                 Escape escape) {
  absl::StatusOr<std::string> out = RenderMustache(source, data, partials, escape);
  if (!out.ok()) {
    return absl::Status(out.status().code(),
                        core::StrCat(name, ": ", core::ToStd(out.status().message())));
  }
  return out;
}

}  // namespace

absl::StatusOr<Rendered> RenderContent(const core::LocalizedContent& content,
                                       const mstch::node& data,
                                       const std::map<std::string, std::string>& partials,
                                       int max_segments) {
  Rendered out;
  if (content.email) {
    RenderedEmail email;
    for (auto [name, source, target, escape] :
         {std::tuple{"email.subject", &content.email->subject, &email.subject, Escape::kNone},
          std::tuple{"email.text_body", &content.email->text_body, &email.text_body, Escape::kNone},
          std::tuple{"email.html_body", &content.email->html_body, &email.html_body,
                     Escape::kHtml}}) {
      absl::StatusOr<std::string> part = Part(name, *source, data, partials, escape);
      if (!part.ok()) return part.status();
      *target = *std::move(part);
    }
    out.email = std::move(email);
  }
  if (content.sms) {
    absl::StatusOr<std::string> text =
        Part("sms.text", content.sms->text, data, partials, Escape::kNone);
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
    out.sms = RenderedSms{*std::move(text), *size, limit};
  }
  return out;
}

}  // namespace herald::compose
