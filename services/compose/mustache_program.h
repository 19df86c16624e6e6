#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace herald::compose {

/// The compiled form of a Mustache source, which the renderer runs from start to end:
/// operations over one buffer holding every piece of text and every name.
struct MustacheProgram {
  /// A piece of `text`.
  struct Span {
    uint32_t offset = 0;
    uint32_t size = 0;
  };

  struct Op {
    enum class Kind : uint8_t {
      kText,       // append text span `a`/`b`
      kEscaped,    // {{name}}: name `a`, escaped when the body is HTML
      kUnescaped,  // {{{name}}}, {{&name}}: name `a`
      kSection,    // {{#name}}: name `a`; its body ends before op `b`
      kInverted,   // {{^name}}: name `a`; its body ends before op `b`
      kPartial,    // {{>name}}: partial `a`
      kIndent,     // where a line of an indented partial starts, and nothing else does
    };
    Kind kind = Kind::kText;
    /// The first thing on one of the source's lines: an indented partial writes its
    /// indentation here.
    bool line_start = false;
    uint32_t a = 0;
    uint32_t b = 0;
  };

  /// A tag's name: "order.total.amount" looked up as order, then total, then amount;
  /// no segments for "." (the current item).
  struct Name {
    Span full = {};
    uint32_t first_segment = 0;
    uint32_t segment_count = 0;
  };

  /// {{> name}}; when it stands alone on its line, the white space before it indents
  /// every line of the partial.
  struct Partial {
    Span name = {};
    Span indent = {};
    bool standalone = false;
  };

  std::string_view View(Span span) const { return {text.data() + span.offset, span.size}; }

  std::string text;
  std::vector<Op> ops;
  std::vector<Span> segments;
  std::vector<Name> names;
  std::vector<Partial> partials;
};

}  // namespace herald::compose
