#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/compose/value.h"

namespace herald::compose {

/// How interpolated values ({{name}}) are written: HTML bodies escape them; text
/// bodies and SMS do not ({{{name}}} and {{&name}} never escape).
enum class Escape { kHtml, kNone };

/// A mistake in a Mustache source and where it is (line from 1, column in
/// characters from 1).
struct MustacheError {
  int line = 1;
  int column = 1;
  std::string problem;
};

/// The first syntax mistake in a source, if any (see CheckMustacheSyntax).
std::optional<MustacheError> FindMustacheError(std::string_view source);

/// One tag of a Mustache source (comments and delimiter changes left out).
struct MustacheTag {
  enum class Kind { kVariable, kSection, kInverted, kClose, kPartial };
  Kind kind = Kind::kVariable;
  std::string name;  // e.g. "order.total.amount", "." for the current item
  int line = 1;
  int column = 1;
};

/// The tags of a source in order; INVALID_ARGUMENT as CheckMustacheSyntax.
absl::StatusOr<std::vector<MustacheTag>> ParseMustacheTags(std::string_view source);

/// Checks a template's Mustache syntax: every tag closed, sections and inverted
/// sections closed in order and by name, delimiter changes well formed, tag names
/// present. INVALID_ARGUMENT says what is wrong and where, e.g.
/// "line 3, column 5: section \"items\" opened here is never closed".
absl::Status CheckMustacheSyntax(std::string_view source);

/// The first circle of partials that include each other, e.g. "legal -> signature ->
/// legal", if any; with `from`, only one that partial reaches. Legitimate Mustache (a
/// partial walking a tree includes itself), but a message renders only while its data
/// ends the recursion.
std::optional<std::string> FindPartialCycle(const std::map<std::string, std::string>& partials,
                                            std::string_view from = {});

/// Checks and compiles the template and the partials (name -> Mustache source), then
/// renders it once with the data, as the Mustache spec says. For one-off renders;
/// what renders often compiles once (CompiledTemplate, TemplateCache).
absl::StatusOr<std::string> RenderMustache(std::string_view source, const Value& data,
                                           const std::map<std::string, std::string>& partials,
                                           Escape escape);

/// &, <, >, " and ' as HTML character references.
std::string EscapeHtml(std::string_view text);

/// EscapeHtml, appended to `out`.
void AppendEscapedHtml(std::string_view text, std::string& out);

}  // namespace herald::compose
