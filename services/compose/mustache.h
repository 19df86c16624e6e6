#pragma once

#include <map>
#include <mstch/mstch.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

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

/// INVALID_ARGUMENT when partials include each other in a circle ("footer" includes
/// "legal", which includes "footer"): rendering one would never end.
absl::Status CheckNoPartialCycle(const std::map<std::string, std::string>& partials);

/// Renders a template with the data and partials (name -> Mustache source), after
/// checking its syntax and the partials', and that no partial includes itself, directly
/// or through others. Rendering follows the Mustache spec; the
/// library is mstch.
absl::StatusOr<std::string> RenderMustache(std::string_view source, const mstch::node& data,
                                           const std::map<std::string, std::string>& partials,
                                           Escape escape);

/// &, <, >, " and ' as HTML character references.
std::string EscapeHtml(std::string_view text);

}  // namespace herald::compose
