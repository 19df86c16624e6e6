#pragma once
// The little JSON an SMS provider's API needs, without a document model: a string
// written as a JSON string, and one top-level field read from an answer.

#include <optional>
#include <string>
#include <string_view>

namespace herald::connectors::sms {

/// Appends `text` (UTF-8) to `out` as a JSON string, quotes included: '"', '\' and
/// control characters escaped, everything else as it is.
void AppendJsonString(std::string& out, std::string_view text);

/// The value of the top-level object's field `name` in `json`, when `json` is one
/// well-formed JSON value: a string unescaped, a number as written; empty when the
/// field is absent, null, or an object, list or boolean. nullopt when `json` is not
/// well-formed JSON (or nests deeper than 64).
std::optional<std::string> TopLevelField(std::string_view json, std::string_view name);

}  // namespace herald::connectors::sms
