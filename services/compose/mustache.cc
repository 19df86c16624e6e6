#include "services/compose/mustache.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "services/compose/compiled_template.h"
#include "services/core/strings.h"

namespace herald::compose {

void AppendEscapedHtml(std::string_view text, std::string& out) {
  size_t plain = 0;  // where the text not yet written starts
  for (size_t i = 0; i < text.size(); ++i) {
    std::string_view reference;
    switch (text[i]) {
      case '&':
        reference = "&amp;";
        break;
      case '<':
        reference = "&lt;";
        break;
      case '>':
        reference = "&gt;";
        break;
      case '"':
        reference = "&quot;";
        break;
      case '\'':
        reference = "&#39;";
        break;
      default:
        continue;
    }
    out.append(text.data() + plain, i - plain);
    out += reference;
    plain = i + 1;
  }
  out.append(text.data() + plain, text.size() - plain);
}

std::string EscapeHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  AppendEscapedHtml(text, out);
  return out;
}

std::optional<std::string> FindPartialCycle(const std::map<std::string, std::string>& partials,
                                            std::string_view from) {
  std::map<std::string_view, std::vector<std::string_view>> includes;
  std::vector<std::vector<MustacheTag>> tags;  // keeps the names `includes` points to
  tags.reserve(partials.size());
  for (const auto& [name, source] : partials) {
    absl::StatusOr<std::vector<MustacheTag>> parsed = ParseMustacheTags(source);
    if (!parsed.ok()) continue;  // syntax errors are reported on their own
    tags.push_back(*std::move(parsed));
    for (const MustacheTag& tag : tags.back()) {
      if (tag.kind == MustacheTag::Kind::kPartial && partials.contains(tag.name)) {
        includes[name].push_back(tag.name);
      }
    }
  }
  // Depth first, without recursion (there may be many partials); `path` is the chain
  // being followed, each with the next of its includes to try.
  enum class Mark { kNone, kOnPath, kDone };
  std::map<std::string_view, Mark> marks;
  std::vector<std::string_view> starts;
  if (from.empty()) {
    for (const auto& [name, source] : partials) starts.push_back(name);
  } else if (partials.contains(std::string(from))) {
    starts.push_back(from);
  }
  for (std::string_view start : starts) {
    if (marks[start] != Mark::kNone) continue;
    std::vector<std::pair<std::string_view, size_t>> path{{start, 0}};
    marks[start] = Mark::kOnPath;
    while (!path.empty()) {
      auto& [name, next] = path.back();
      const std::vector<std::string_view>& targets = includes[name];
      if (next == targets.size()) {
        marks[name] = Mark::kDone;
        path.pop_back();
        continue;
      }
      const std::string_view target = targets[next++];
      Mark& mark = marks[target];
      if (mark == Mark::kDone) continue;
      if (mark == Mark::kOnPath) {
        std::string cycle;
        auto first = std::find_if(path.begin(), path.end(),
                                  [&](const auto& step) { return step.first == target; });
        for (auto it = first; it != path.end(); ++it) core::StrAppend(cycle, it->first, " -> ");
        return cycle + std::string(target);
      }
      mark = Mark::kOnPath;
      path.emplace_back(target, 0);
    }
  }
  return std::nullopt;
}

absl::StatusOr<std::string> RenderMustache(std::string_view source, const Value& data,
                                           const std::map<std::string, std::string>& partials,
                                           Escape escape) {
  absl::StatusOr<std::shared_ptr<const CompiledTemplate>> compiled =
      CompiledTemplate::Compile(source);
  if (!compiled.ok()) return compiled.status();
  Partials compiled_partials;
  for (const auto& [name, partial] : partials) {
    absl::StatusOr<std::shared_ptr<const CompiledTemplate>> one =
        CompiledTemplate::Compile(partial);
    if (!one.ok()) {
      return absl::InvalidArgumentError(
          core::StrCat("partial \"", name, "\": ", core::ToStd(one.status().message())));
    }
    compiled_partials.Add(name, *std::move(one));
  }
  std::string out;
  const Value* context[] = {&data};
  absl::Status rendered = Render(**compiled, context, compiled_partials, escape, out);
  if (!rendered.ok()) return rendered;
  return out;
}

}  // namespace herald::compose
