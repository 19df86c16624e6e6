#include "services/compose/render.h"

#include <algorithm>
#include <set>

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

absl::StatusOr<RenderedEmail> RenderEmail(const core::EmailContent& content,
                                          const mstch::node& data,
                                          const std::map<std::string, std::string>& partials) {
  RenderedEmail email;
  for (auto [name, source, target, escape] :
       {std::tuple{"email.subject", &content.subject, &email.subject, Escape::kNone},
        std::tuple{"email.text_body", &content.text_body, &email.text_body, Escape::kNone},
        std::tuple{"email.html_body", &content.html_body, &email.html_body, Escape::kHtml}}) {
    absl::StatusOr<std::string> part = Part(name, *source, data, partials, escape);
    if (!part.ok()) return part.status();
    *target = *std::move(part);
  }
  return email;
}

absl::StatusOr<RenderedSms> RenderSms(const core::SmsContent& content, const mstch::node& data,
                                      const std::map<std::string, std::string>& partials,
                                      int max_segments) {
  absl::StatusOr<std::string> text = Part("sms.text", content.text, data, partials, Escape::kNone);
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

absl::StatusOr<std::map<std::string, std::string>> ReachedPartials(
    const std::vector<std::string_view>& sources,
    const std::map<std::string, std::string>& partials) {
  std::map<std::string, std::string> reached;
  for (std::string_view source : sources) {
    // (source, the partial it is; empty for the template itself)
    std::vector<std::pair<std::string_view, std::string_view>> pending{{source, {}}};
    while (!pending.empty()) {
      const auto [next, includer] = pending.back();
      pending.pop_back();
      absl::StatusOr<std::vector<MustacheTag>> tags = ParseMustacheTags(next);
      if (!tags.ok()) return tags.status();
      for (const MustacheTag& tag : *tags) {
        if (tag.kind != MustacheTag::Kind::kPartial || reached.contains(tag.name)) continue;
        auto found = partials.find(tag.name);
        if (found == partials.end()) {
          return absl::FailedPreconditionError(
              core::StrCat("partial \"", tag.name, "\" (",
                           includer.empty() ? "" : core::StrCat("in \"", includer, "\", "), "line ",
                           tag.line, ", column ", tag.column, ") is not a stored snippet"));
        }
        reached.emplace(found->first, found->second);
        pending.emplace_back(found->second, found->first);
      }
    }
  }
  absl::Status acyclic = CheckNoPartialCycle(reached);
  if (!acyclic.ok()) return acyclic;
  return reached;
}

absl::Status CheckPartialsPresent(std::string_view source,
                                  const std::map<std::string, std::string>& partials) {
  return ReachedPartials({source}, partials).status();
}

absl::StatusOr<Rendered> RenderContent(const core::LocalizedContent& content,
                                       const mstch::node& data,
                                       const std::map<std::string, std::string>& partials,
                                       int max_segments) {
  Rendered out;
  if (content.email) {
    absl::StatusOr<RenderedEmail> email = RenderEmail(*content.email, data, partials);
    if (!email.ok()) return email.status();
    out.email = *std::move(email);
  }
  if (content.sms) {
    absl::StatusOr<RenderedSms> sms = RenderSms(*content.sms, data, partials, max_segments);
    if (!sms.ok()) return sms.status();
    out.sms = *std::move(sms);
  }
  return out;
}

}  // namespace herald::compose
