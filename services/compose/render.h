#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/compose/compiled_template.h"
#include "services/compose/sms.h"
#include "services/compose/template_cache.h"
#include "services/core/template.h"

namespace herald::compose {

/// The most SMS parts a template may render to when it sets no limit of its own.
inline constexpr int kDefaultMaxSmsSegments = 3;

/// An email as it would be sent.
struct RenderedEmail {
  std::string subject;
  std::string text_body;
  std::string html_body;  // empty when the template has none
};

/// An SMS as it would be sent, with its size.
struct RenderedSms {
  std::string text;
  SmsSize size;
  int max_segments = 0;
};

/// One locale's content rendered for every channel it has.
struct Rendered {
  std::optional<RenderedEmail> email;
  std::optional<RenderedSms> sms;
};

// Each part is compiled once, through `templates`, and rendered with the context stack
// `data` and the compiled partials (see ReachedPartials).

/// Renders an email: the subject and text body without HTML escaping, the HTML body
/// with it. INVALID_ARGUMENT names the part with a syntax error, or one that crosses a
/// bound on rendering (partials nested too deep: a recursion its data does not end).
absl::StatusOr<RenderedEmail> RenderEmail(const core::EmailContent& content, Context data,
                                          const Partials& partials,
                                          TemplateCache& templates = TemplateCache::Shared());

/// Renders an SMS and measures it. INVALID_ARGUMENT as RenderEmail, or when it takes
/// more than `max_segments` parts (0: kDefaultMaxSmsSegments).
absl::StatusOr<RenderedSms> RenderSms(const core::SmsContent& content, Context data,
                                      const Partials& partials, int max_segments,
                                      TemplateCache& templates = TemplateCache::Shared());

/// The partials the `sources` include, directly or through other partials, taken from
/// `snippets` (name -> Mustache source) and compiled: what rendering them needs.
/// FAILED_PRECONDITION names the first that is not there, with where it is included
/// ("partial \"footer\" (line 4, column 1) is not a stored snippet"): the Mustache spec
/// renders a missing partial as nothing, and a message without its footer is not what
/// its author meant. Partials may include each other in a circle (recursion over a
/// tree); a render whose data does not end it fails at kMaxPartialDepth.
absl::StatusOr<Partials> ReachedPartials(const std::vector<std::string_view>& sources,
                                         const std::map<std::string, std::string>& snippets,
                                         TemplateCache& templates = TemplateCache::Shared());

/// ReachedPartials for one source, when only the verdict matters.
absl::Status CheckPartialsPresent(std::string_view source,
                                  const std::map<std::string, std::string>& snippets,
                                  TemplateCache& templates = TemplateCache::Shared());

/// Renders a template's content in one locale: the subject, text body and SMS without
/// HTML escaping, the HTML body with it. INVALID_ARGUMENT as RenderEmail and RenderSms.
absl::StatusOr<Rendered> RenderContent(const core::LocalizedContent& content, Context data,
                                       const Partials& partials, int max_segments,
                                       TemplateCache& templates = TemplateCache::Shared());

}  // namespace herald::compose
