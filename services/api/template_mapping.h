#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "herald/v1/template.pb.h"
#include "services/core/template.h"

namespace herald::api {

/// Validates an API template into the domain's. Errors are INVALID_ARGUMENT naming the
/// field under `field` (e.g. "template.contents[0].email.subject"). Version and times
/// are left for the store to assign, except update_time, which becomes `now`.
absl::StatusOr<core::Template> TemplateFromProto(const v1::Template& proto, std::string_view field,
                                                 core::Time now);

v1::Template TemplateToProto(const core::Template& tmpl);

/// Validates an API snippet: its name as a template's, text set (at most 64 KiB) and
/// valid Mustache. update_time becomes `now`.
absl::StatusOr<core::Snippet> SnippetFromProto(const v1::Snippet& proto, std::string_view field,
                                               core::Time now);

v1::Snippet SnippetToProto(const core::Snippet& snippet);

/// A template name: 1 to 63 of lowercase letters, digits and '-', starting with a
/// letter or digit.
absl::Status ValidateTemplateName(std::string_view name, std::string_view field);

}  // namespace herald::api
