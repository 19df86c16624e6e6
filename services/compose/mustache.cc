#include "services/compose/mustache.h"

#include <algorithm>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "services/core/strings.h"

namespace herald::compose {
namespace {

// mstch escapes through one process-wide function; which escaping a render wants is
// said per thread.
thread_local Escape current_escape = Escape::kHtml;

void InstallEscape() {
  static std::once_flag once;
  std::call_once(once, [] {
    mstch::config::escape = [](const std::string& text) {
      return current_escape == Escape::kHtml ? EscapeHtml(text) : text;
    };
  });
}

// A position in the source as a person counts it: lines from 1, columns in characters.
struct Position {
  int line = 1;
  int column = 1;
};

class Scanner {
 public:
  explicit Scanner(std::string_view source) : source_(source) {}

  Position At(size_t offset) const {
    Position p;
    for (size_t i = 0; i < offset && i < source_.size(); ++i) {
      const auto c = static_cast<unsigned char>(source_[i]);
      if (c == '\n') {
        ++p.line;
        p.column = 1;
      } else if ((c & 0xC0) != 0x80) {  // not a UTF-8 continuation byte
        ++p.column;
      }
    }
    return p;
  }

  std::optional<MustacheError> Error(size_t offset, std::string_view problem) const {
    const Position p = At(offset);
    return MustacheError{p.line, p.column, std::string(problem)};
  }

  std::optional<MustacheError> Check() {
    struct Open {
      std::string name;
      size_t offset;
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
      std::string_view body = source_.substr(content, end - content);
      at = end + close.size();
      const char sigil = triple || body.empty() ? '\0' : body.front();
      if (sigil == '!') {
        // A comment may hold anything but only white space: mstch fails on "{{! }}".
        if (body.size() > 1 && Trim(body.substr(1)).empty()) {
          return Error(tag,
                       "a comment of only white space cannot be rendered: write {{!}} or words");
        }
        continue;
      }
      if (sigil == '=') {
        if (auto error = ChangeDelimiters(body, tag)) return error;
        continue;
      }
      if (std::string_view("#^/>&").find(sigil) != std::string_view::npos && sigil != '\0') {
        body.remove_prefix(1);
      }
      const std::string name = Trim(body);
      if (name.empty()) return Error(tag, "tag has no name");
      if (name.find_first_of(" \t\r\n") != std::string::npos) {
        return Error(tag, core::StrCat("tag name \"", name, "\" contains white space"));
      }
      const Position where = At(tag);
      tags_.push_back({sigil == '#'   ? MustacheTag::Kind::kSection
                       : sigil == '^' ? MustacheTag::Kind::kInverted
                       : sigil == '/' ? MustacheTag::Kind::kClose
                       : sigil == '>' ? MustacheTag::Kind::kPartial
                                      : MustacheTag::Kind::kVariable,
                       name, where.line, where.column});
      if (sigil == '#' || sigil == '^') {
        sections.push_back({name, tag});
      } else if (sigil == '/') {
        if (sections.empty()) {
          return Error(tag, core::StrCat("\"", name, "\" is closed here but was never opened"));
        }
        if (sections.back().name != name) {
          const Position opened = At(sections.back().offset);
          return Error(tag, core::StrCat("\"", name, "\" is closed here, but \"",
                                         sections.back().name, "\" (opened at line ", opened.line,
                                         ", column ", opened.column, ") must be closed first"));
        }
        sections.pop_back();
      }
    }
    if (!sections.empty()) {
      return Error(sections.back().offset, core::StrCat("section \"", sections.back().name,
                                                        "\" opened here is never closed (add {{/",
                                                        sections.back().name, "}})"));
    }
    return std::nullopt;
  }

 private:
  static std::string Trim(std::string_view s) {
    const size_t first = s.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return "";
    const size_t last = s.find_last_not_of(" \t\r\n");
    return std::string(s.substr(first, last - first + 1));
  }

  // "=<% %>=": two new delimiters without white space or '=' in them.
  std::optional<MustacheError> ChangeDelimiters(std::string_view body, size_t tag) {
    if (body.size() < 2 || body.back() != '=') {
      return Error(tag, "a delimiter change is written {{=OPEN CLOSE=}}");
    }
    // mstch reads only spaces there (it fails on "{{=<\t%=}}").
    if (body.find_first_of("\t\r\n") != std::string_view::npos) {
      return Error(tag, "a delimiter change may hold no white space but spaces");
    }
    const std::string inner = Trim(body.substr(1, body.size() - 2));
    const size_t space = inner.find(' ');
    if (space == std::string::npos) {
      return Error(tag, "a delimiter change needs two delimiters separated by a space");
    }
    const std::string open = inner.substr(0, space);
    const std::string close = Trim(std::string_view(inner).substr(space));
    if (close.empty() || close.find_first_of(" \t=") != std::string::npos ||
        open.find('=') != std::string::npos) {
      return Error(tag, "a delimiter change needs two delimiters without spaces or '='");
    }
    // mstch also fails when one delimiter holds the other ("<%" and "%").
    if (open != close &&
        (open.find(close) != std::string::npos || close.find(open) != std::string::npos)) {
      return Error(tag, "a delimiter change needs two delimiters neither of which holds the other");
    }
    open_ = open;
    close_ = close;
    return std::nullopt;
  }

  std::vector<MustacheTag> tags_;

 public:
  std::vector<MustacheTag>& tags() { return tags_; }

 private:
  std::string_view source_;
  std::string open_ = "{{";
  std::string close_ = "}}";
};

}  // namespace

std::string EscapeHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::optional<MustacheError> FindMustacheError(std::string_view source) {
  return Scanner(source).Check();
}

absl::StatusOr<std::vector<MustacheTag>> ParseMustacheTags(std::string_view source) {
  Scanner scanner(source);
  if (auto error = scanner.Check()) {
    return absl::InvalidArgumentError(
        core::StrCat("line ", error->line, ", column ", error->column, ": ", error->problem));
  }
  return std::move(scanner.tags());
}

namespace {

absl::Status SyntaxStatus(std::string_view source) {
  std::optional<MustacheError> error = FindMustacheError(source);
  if (!error) return absl::OkStatus();
  return absl::InvalidArgumentError(
      core::StrCat("line ", error->line, ", column ", error->column, ": ", error->problem));
}

}  // namespace

absl::Status CheckMustacheSyntax(std::string_view source) {
  absl::Status valid = SyntaxStatus(source);
  if (!valid.ok()) return valid;
  // mstch's own parser throws on a few odd sources the check above lets through; a
  // template is refused on save for those too, rather than failing at every send.
  try {
    (void)mstch::render(std::string(source), mstch::map{});
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(
        core::StrCat("the Mustache library cannot read this template (", e.what(), ")"));
  }
  return absl::OkStatus();
}

absl::Status CheckNoPartialCycle(const std::map<std::string, std::string>& partials) {
  std::map<std::string, std::vector<std::string>> includes;
  for (const auto& [name, source] : partials) {
    absl::StatusOr<std::vector<MustacheTag>> tags = ParseMustacheTags(source);
    if (!tags.ok()) continue;  // syntax errors are reported on their own
    for (const MustacheTag& tag : *tags) {
      if (tag.kind == MustacheTag::Kind::kPartial && partials.contains(tag.name)) {
        includes[name].push_back(tag.name);
      }
    }
  }
  // Depth-first search; `path` is the chain being followed.
  enum class Mark { kNone, kOnPath, kDone };
  std::map<std::string, Mark> marks;
  std::vector<std::string> path;
  std::string cycle;
  std::function<bool(const std::string&)> visit = [&](const std::string& name) {
    Mark& mark = marks[name];
    if (mark == Mark::kDone) return false;
    if (mark == Mark::kOnPath) {
      auto from = std::find(path.begin(), path.end(), name);
      for (auto it = from; it != path.end(); ++it) core::StrAppend(cycle, *it, " -> ");
      cycle += name;
      return true;
    }
    mark = Mark::kOnPath;
    path.push_back(name);
    for (const std::string& next : includes[name]) {
      if (visit(next)) return true;
    }
    path.pop_back();
    marks[name] = Mark::kDone;
    return false;
  };
  for (const auto& [name, source] : partials) {
    if (visit(name)) {
      return absl::InvalidArgumentError(
          core::StrCat("partials include each other in a circle: ", cycle));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> RenderMustache(std::string_view source, const mstch::node& data,
                                           const std::map<std::string, std::string>& partials,
                                           Escape escape) {
  // The cheap check only: what mstch cannot read throws below, and is refused there.
  absl::Status valid = SyntaxStatus(source);
  if (!valid.ok()) return valid;
  for (const auto& [name, partial] : partials) {
    valid = SyntaxStatus(partial);
    if (!valid.ok()) {
      return absl::InvalidArgumentError(
          core::StrCat("partial \"", name, "\": ", core::ToStd(valid.message())));
    }
  }
  valid = CheckNoPartialCycle(partials);
  if (!valid.ok()) return valid;
  InstallEscape();
  const Escape previous = current_escape;
  current_escape = escape;
  std::string out;
  try {
    out = mstch::render(std::string(source), data, partials);
  } catch (const std::exception& e) {
    current_escape = previous;
    return absl::InvalidArgumentError(
        core::StrCat("the Mustache library cannot read this template (", e.what(), ")"));
  }
  current_escape = previous;
  return out;
}

}  // namespace herald::compose
