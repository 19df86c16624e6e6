// Template parsing and rendering: a Mustache source (the input up to the first NUL;
// after it, a partial named "footer") checked, split into tags, compiled and rendered
// with a customer's data, HTML-escaped and plain. A bad source must be INVALID_ARGUMENT
// saying where. A partial may include itself (recursion), and a render whose data does
// not end it must stop at a bound, INVALID_ARGUMENT saying which; nothing may crash,
// hang, overflow the stack or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "absl/strings/match.h"
#include "services/compose/mustache.h"
#include "services/compose/value.h"

namespace {

using herald::compose::Value;

const Value& Data() {
  static const Value* data = new Value(Value::MakeMap({
      {"customer", Value::MakeMap({{"name", "Anna <de> Vries"}, {"id", "c1"}})},
      {"order",
       Value::MakeMap({
           {"order_id", "1001"},
           {"items", Value::MakeList({Value::MakeMap({{"name", "tea"}, {"quantity", 2}}),
                                      Value::MakeMap({{"name", "cup"}, {"quantity", 1}})})},
           {"shipped", true},
       })},
      {"empty", Value::MakeList({})},
  }));
  return *data;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t split = input.find('\0');
  const std::string_view source = input.substr(0, split);
  std::map<std::string, std::string> partials;
  if (split != std::string_view::npos) partials["footer"] = std::string(input.substr(split + 1));

  const absl::Status syntax = herald::compose::CheckMustacheSyntax(source);
  const auto tags = herald::compose::ParseMustacheTags(source);
  // One parser: the check and the tags agree, and every refusal says why.
  if (tags.ok() != syntax.ok()) __builtin_trap();
  if (!syntax.ok() && syntax.message().empty()) __builtin_trap();
  const bool partial_ok =
      partials.empty() || herald::compose::CheckMustacheSyntax(partials["footer"]).ok();
  for (auto escape : {herald::compose::Escape::kHtml, herald::compose::Escape::kNone}) {
    const auto rendered = herald::compose::RenderMustache(source, Data(), partials, escape);
    if (rendered.ok()) continue;
    const absl::Status& refused = rendered.status();
    if (refused.code() != absl::StatusCode::kInvalidArgument || refused.message().empty()) {
      __builtin_trap();
    }
    // What passes the check renders, unless it crosses a bound ("... more than ...").
    if (syntax.ok() && partial_ok && !absl::StrContains(refused.message(), " more than ")) {
      __builtin_trap();
    }
  }
  return 0;
}
