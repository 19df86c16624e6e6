#pragma once

#include <filesystem>

#include "absl/status/statusor.h"
#include "herald/v1/template.pb.h"

namespace herald::heraldctl {

/// Reads a template kept as files: a template.yaml manifest (name, description,
/// category, event_types, priority, default_locale, max_sms_segments, and per locale
/// the email subject inline with its text and html bodies, and the SMS, as Mustache
/// files next to it). INVALID_ARGUMENT names the file and the key.
absl::StatusOr<v1::Template> ReadTemplateManifest(const std::filesystem::path& manifest);

}  // namespace herald::heraldctl
