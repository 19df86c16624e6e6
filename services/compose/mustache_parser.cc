// One parser for Mustache sources: it checks the syntax (errors with line and column),
// lists the tags, and compiles a source into the program the renderer runs.
#include <algorithm>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "services/compose/compiled_template.h"
#include "services/compose/mustache.h"
#include "services/core/strings.h"

namespace herald::compose {
namespace {

// A position in the source as a person counts it: lines from 1, columns in characters.
struct Position {
  int line = 1;
  int column = 1;
};

// Positions of offsets asked for in increasing order (tags as they are found), counted
// in one pass over the source however many tags there are.
class PositionCounter {
 public:
  explicit PositionCounter(std::string_view source) : source_(source) {}

  Position At(size_t offset) {
    if (offset < offset_) {  // not asked for in order: count again from the start
      offset_ = 0;
      position_ = {};
    }
    for (; offset_ < offset && offset_ < source_.size(); ++offset_) {
      const auto c = static_cast<unsigned char>(source_[offset_]);
      if (c == '\n') {
        ++position_.line;
        position_.column = 1;
      } else if ((c & 0xC0) != 0x80) {  // not a UTF-8 continuation byte
        ++position_.column;
      }
    }
    return position_;
  }

 private:
  std::string_view source_;
  size_t offset_ = 0;
  Position position_;
};

std::string_view Trim(std::string_view s) {
  const size_t first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const size_t last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

bool WhiteSpaceOnly(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// A piece of the source: text up to and including a line's end, or one tag.
struct Token {
  enum class Type {
    kText,
    kEscaped,
    kUnescaped,
    kSection,
    kInverted,
    kClose,
    kPartial,
    kComment,
    kDelimiters
  };
  Type type = Type::kText;
  bool eol = false;              // text that ends a line
  bool kept = true;              // false: white space on a standalone line
  bool standalone = false;       // a tag on a line of nothing but tags and white space
  std::string_view text = {};    // the text, or the tag's name
  std::string_view indent = {};  // a standalone partial: the white space before it
};

class Scanner {
 public:
  explicit Scanner(std::string_view source) : source_(source), positions_(source) {}

  // The tokens and tags of the whole source, or its first mistake.
  std::optional<MustacheError> Scan() {
    struct Open {
      std::string_view name;
      Position where;
    };
    std::vector<Open> sections;
    size_t at = 0;
    while (true) {
      const size_t tag = source_.find(open_, at);
      if (tag == std::string_view::npos) break;
      size_t content = tag + open_.size();
      const bool triple = open_ == "{{" && content < source_.size() && source_[content] == '{';
      const std::string close = triple ? "}" + close_ : close_;
      if (triple) ++content;
      const size_t end = source_.find(close, content);
      if (end == std::string_view::npos) {
        return Error(tag, core::StrCat("tag opened here is never closed with \"", close, "\""));
      }
      AddText(source_.substr(at, tag - at));
      std::string_view body = source_.substr(content, end - content);
      at = end + close.size();
      // Spaces may come before a sigil ("{{ #items }}"), as in mustache.js and in the
      // library Herald first rendered with; '=' and '{' must come first.
      if (!triple) {
        const size_t first = body.find_first_not_of(' ');
        if (first != 0 && first != std::string_view::npos &&
            std::string_view("#^/>&!").find(body[first]) != std::string_view::npos) {
          body.remove_prefix(first);
        }
      }
      const char sigil = triple || body.empty() ? '\0' : body.front();
      if (sigil == '!') {
        // Refused since the library Herald first rendered with failed on it, and still,
        // so that what saves stays as it was ("{{!}}" says the same).
        if (body.size() > 1 && Trim(body.substr(1)).empty()) {
          return Error(tag,
                       "a comment of only white space cannot be rendered: write {{!}} or words");
        }
        AddTag(Token::Type::kComment, {}, at);
        continue;
      }
      if (sigil == '=') {
        if (auto error = ChangeDelimiters(body, tag)) return error;
        AddTag(Token::Type::kDelimiters, {}, at);
        continue;
      }
      Token::Type type = triple ? Token::Type::kUnescaped : Token::Type::kEscaped;
      switch (sigil) {
        case '#':
          type = Token::Type::kSection;
          break;
        case '^':
          type = Token::Type::kInverted;
          break;
        case '/':
          type = Token::Type::kClose;
          break;
        case '>':
          type = Token::Type::kPartial;
          break;
        case '&':
          type = Token::Type::kUnescaped;
          break;
        case '{': {
          // {name} between other delimiters than {{ }} is unescaped too.
          const std::string_view inner =
              body.size() > 2 && body.back() == '}' ? Trim(body.substr(1, body.size() - 2)) : "";
          if (!inner.empty() && inner.find_first_of(" \t\r\n") == std::string_view::npos) {
            type = Token::Type::kUnescaped;
            body = inner;
          }
          break;
        }
        default:
          break;
      }
      if (type != Token::Type::kEscaped && sigil != '{' && !triple) body.remove_prefix(1);
      const std::string_view name = Trim(body);
      if (name.empty()) return Error(tag, "tag has no name");
      if (name.find_first_of(" \t\r\n") != std::string_view::npos) {
        return Error(tag, core::StrCat("tag name \"", name, "\" contains white space"));
      }
      const Position where = positions_.At(tag);
      tags_.push_back({type == Token::Type::kSection    ? MustacheTag::Kind::kSection
                       : type == Token::Type::kInverted ? MustacheTag::Kind::kInverted
                       : type == Token::Type::kClose    ? MustacheTag::Kind::kClose
                       : type == Token::Type::kPartial  ? MustacheTag::Kind::kPartial
                                                        : MustacheTag::Kind::kVariable,
                       std::string(name), where.line, where.column});
      if (type == Token::Type::kSection || type == Token::Type::kInverted) {
        sections.push_back({name, where});
      } else if (type == Token::Type::kClose) {
        if (sections.empty()) {
          return Error(tag, core::StrCat("\"", name, "\" is closed here but was never opened"));
        }
        if (sections.back().name != name) {
          const Position opened = sections.back().where;
          return Error(tag, core::StrCat("\"", name, "\" is closed here, but \"",
                                         sections.back().name, "\" (opened at line ", opened.line,
                                         ", column ", opened.column, ") must be closed first"));
        }
        sections.pop_back();
      }
      AddTag(type, name, at);
    }
    AddText(source_.substr(at));
    if (!sections.empty()) {
      const Open& open = sections.back();
      return MustacheError{
          open.where.line, open.where.column,
          core::StrCat("section \"", open.name, "\" opened here is never closed (add {{/",
                       open.name, "}})")};
    }
    return std::nullopt;
  }

  std::vector<Token>& tokens() { return tokens_; }
  std::vector<MustacheTag>& tags() { return tags_; }

 private:
  std::optional<MustacheError> Error(size_t offset, std::string_view problem) {
    const Position p = positions_.At(offset);
    return MustacheError{p.line, p.column, std::string(problem)};
  }

  // "=<% %>=": two new delimiters without white space or '=' in them.
  std::optional<MustacheError> ChangeDelimiters(std::string_view body, size_t tag) {
    if (body.size() < 2 || body.back() != '=') {
      return Error(tag, "a delimiter change is written {{=OPEN CLOSE=}}");
    }
    // Spaces only, and no delimiter holding the other (below): refused since the library
    // Herald first rendered with failed on them, and still, so that what saves stays as
    // it was.
    if (body.find_first_of("\t\r\n") != std::string_view::npos) {
      return Error(tag, "a delimiter change may hold no white space but spaces");
    }
    const std::string_view inner = Trim(body.substr(1, body.size() - 2));
    const size_t space = inner.find(' ');
    if (space == std::string_view::npos) {
      return Error(tag, "a delimiter change needs two delimiters separated by a space");
    }
    const std::string_view open = inner.substr(0, space);
    const std::string_view close = Trim(inner.substr(space));
    if (close.empty() || close.find_first_of(" \t=") != std::string_view::npos ||
        open.find('=') != std::string_view::npos) {
      return Error(tag, "a delimiter change needs two delimiters without spaces or '='");
    }
    if (open != close && (open.find(close) != std::string_view::npos ||
                          close.find(open) != std::string_view::npos)) {
      return Error(tag, "a delimiter change needs two delimiters neither of which holds the other");
    }
    open_ = open;
    close_ = close;
    return std::nullopt;
  }

  // Text as one token per line, so that standalone lines can be found.
  void AddText(std::string_view text) {
    while (!text.empty()) {
      const size_t eol = text.find('\n');
      const size_t size = eol == std::string_view::npos ? text.size() : eol + 1;
      Add({.type = Token::Type::kText,
           .eol = eol != std::string_view::npos,
           .text = text.substr(0, size)});
      text.remove_prefix(size);
    }
  }

  void AddTag(Token::Type type, std::string_view name, size_t end) {
    Add({.type = type, .text = name});
    // A tag that ends the source ends its line too.
    if (end == source_.size()) Add({.type = Token::Type::kText, .eol = true});
  }

  void Add(Token token) {
    tokens_.push_back(token);
    if (token.eol) EndLine();
  }

  // A line of nothing but white space and tags other than variables is standalone: its
  // white space, line end included, is left out (the spec's rule; several tags on one
  // line count as standalone too, as in mustache.js). A partial on it is indented by
  // the white space before it.
  void EndLine() {
    bool has_tag = false;
    bool non_space = false;
    for (size_t i = line_begin_; i < tokens_.size(); ++i) {
      const Token& t = tokens_[i];
      if (t.type == Token::Type::kText) {
        non_space = non_space || !WhiteSpaceOnly(t.text);
      } else if (t.type == Token::Type::kEscaped || t.type == Token::Type::kUnescaped) {
        non_space = true;
      } else {
        has_tag = true;
      }
    }
    if (has_tag && !non_space) {
      for (size_t i = line_begin_; i < tokens_.size(); ++i) {
        Token& t = tokens_[i];
        if (t.type == Token::Type::kText) {
          t.kept = false;
          continue;
        }
        t.standalone = true;
        if (t.type == Token::Type::kPartial && i > line_begin_ &&
            tokens_[i - 1].type == Token::Type::kText) {
          t.indent = tokens_[i - 1].text;
        }
      }
    }
    line_begin_ = tokens_.size();
  }

  std::string_view source_;
  PositionCounter positions_;
  std::string open_ = "{{";
  std::string close_ = "}}";
  std::vector<Token> tokens_;
  std::vector<MustacheTag> tags_;
  size_t line_begin_ = 0;
};

absl::Status SyntaxStatus(const MustacheError& error) {
  return absl::InvalidArgumentError(
      core::StrCat("line ", error.line, ", column ", error.column, ": ", error.problem));
}

// Tokens into the flat program the renderer runs.
class Compiler {
 public:
  MustacheProgram Compile(const std::vector<Token>& tokens, size_t source_size) {
    program_.text.reserve(source_size);
    // Whether the next thing written starts a line (of an indented partial).
    bool line_start = true;
    std::vector<size_t> sections;  // ops of the sections being compiled
    for (const Token& t : tokens) {
      if (t.type == Token::Type::kText) {
        if (!t.kept || t.text.empty()) {
          if (t.eol) line_start = true;
          continue;
        }
        if (!text_open_) {
          program_.ops.push_back(
              {.kind = Op::Kind::kText, .line_start = line_start, .a = Size(program_.text.size())});
          text_open_ = true;
        }
        program_.text += t.text;
        program_.ops.back().b += Size(t.text.size());
        line_start = t.eol;
        continue;
      }
      if (t.type == Token::Type::kComment || t.type == Token::Type::kDelimiters) continue;
      text_open_ = false;
      // A standalone tag writes nothing of its line: no indentation either.
      const bool indent_here = line_start && !t.standalone;
      if (!t.standalone) line_start = false;
      switch (t.type) {
        case Token::Type::kEscaped:
        case Token::Type::kUnescaped:
          program_.ops.push_back(
              {.kind = t.type == Token::Type::kEscaped ? Op::Kind::kEscaped : Op::Kind::kUnescaped,
               .line_start = indent_here,
               .a = AddName(t.text)});
          break;
        case Token::Type::kSection:
        case Token::Type::kInverted:
          sections.push_back(program_.ops.size());
          program_.ops.push_back(
              {.kind = t.type == Token::Type::kSection ? Op::Kind::kSection : Op::Kind::kInverted,
               .line_start = indent_here,
               .a = AddName(t.text)});
          break;
        case Token::Type::kClose:
          // The line starts inside the section: its body ends with the indentation.
          if (indent_here) program_.ops.push_back({.kind = Op::Kind::kIndent});
          program_.ops[sections.back()].b = Size(program_.ops.size());
          sections.pop_back();
          break;
        case Token::Type::kPartial:
          program_.ops.push_back({.kind = Op::Kind::kPartial,
                                  .line_start = indent_here,
                                  .a = Size(program_.partials.size())});
          program_.partials.push_back({AddText(t.text), AddText(t.indent), t.standalone});
          break;
        default:
          break;
      }
    }
    return std::move(program_);
  }

 private:
  using Op = MustacheProgram::Op;
  using Span = MustacheProgram::Span;

  static uint32_t Size(size_t n) { return static_cast<uint32_t>(n); }

  Span AddText(std::string_view text) {
    const Span span{Size(program_.text.size()), Size(text.size())};
    program_.text += text;
    return span;
  }

  uint32_t AddName(std::string_view name) {
    MustacheProgram::Name n{.full = AddText(name), .first_segment = Size(program_.segments.size())};
    if (name != ".") {
      size_t from = 0;
      while (true) {
        const size_t dot = name.find('.', from);
        const size_t end = dot == std::string_view::npos ? name.size() : dot;
        program_.segments.push_back({n.full.offset + Size(from), Size(end - from)});
        ++n.segment_count;
        if (dot == std::string_view::npos) break;
        from = dot + 1;
      }
    }
    program_.names.push_back(n);
    return Size(program_.names.size() - 1);
  }

  MustacheProgram program_;
  bool text_open_ = false;
};

}  // namespace

std::optional<MustacheError> FindMustacheError(std::string_view source) {
  return Scanner(source).Scan();
}

absl::StatusOr<std::vector<MustacheTag>> ParseMustacheTags(std::string_view source) {
  Scanner scanner(source);
  if (auto error = scanner.Scan()) return SyntaxStatus(*error);
  return std::move(scanner.tags());
}

absl::Status CheckMustacheSyntax(std::string_view source) {
  if (auto error = FindMustacheError(source)) return SyntaxStatus(*error);
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const CompiledTemplate>> CompiledTemplate::Compile(
    std::string_view source) {
  // Offsets in the program are 32 bits; the program's text is never longer than twice
  // the source.
  if (source.size() > std::numeric_limits<uint32_t>::max() / 4) {
    return absl::InvalidArgumentError("the template is too long to render");
  }
  Scanner scanner(source);
  if (auto error = scanner.Scan()) return SyntaxStatus(*error);
  std::shared_ptr<CompiledTemplate> compiled(new CompiledTemplate());
  compiled->source_ = std::string(source);
  compiled->program_ = Compiler().Compile(scanner.tokens(), source.size());
  for (MustacheTag& tag : scanner.tags()) {
    if (tag.kind != MustacheTag::Kind::kPartial) continue;
    if (std::none_of(compiled->includes_.begin(), compiled->includes_.end(),
                     [&](const MustacheTag& seen) { return seen.name == tag.name; })) {
      compiled->includes_.push_back(std::move(tag));
    }
  }
  return compiled;
}

size_t CompiledTemplate::bytes() const {
  return sizeof(*this) + source_.capacity() + program_.text.capacity() +
         program_.ops.capacity() * sizeof(MustacheProgram::Op) +
         program_.segments.capacity() * sizeof(MustacheProgram::Span) +
         program_.names.capacity() * sizeof(MustacheProgram::Name) +
         program_.partials.capacity() * sizeof(MustacheProgram::Partial) +
         includes_.capacity() * sizeof(MustacheTag);
}

}  // namespace herald::compose
