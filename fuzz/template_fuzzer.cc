// Template parsing and rendering: a Mustache source (the input up to the first NUL;
// after it, a partial named "footer") checked, split into tags and rendered with a
// customer's data, HTML-escaped and plain. A bad source must be INVALID_ARGUMENT
// saying where; nothing may crash, hang or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <map>
#include <mstch/mstch.hpp>
#include <string>
#include <string_view>

#include "services/compose/mustache.h"

namespace {

const mstch::map& Data() {
  static const mstch::map* data = new mstch::map{
      {"customer", mstch::map{{"name", std::string("Anna <de> Vries")}, {"id", std::string("c1")}}},
      {"order",
       mstch::map{
           {"order_id", std::string("1001")},
           {"items", mstch::array{mstch::map{{"name", std::string("tea")}, {"quantity", 2}},
                                  mstch::map{{"name", std::string("cup")}, {"quantity", 1}}}},
           {"shipped", true}}},
      {"empty", mstch::array{}},
  };
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
  // The syntax check refuses all the tag parser does, and what mstch cannot read.
  if (!tags.ok() && syntax.ok()) __builtin_trap();
  if (!syntax.ok() && syntax.message().empty()) __builtin_trap();
  for (auto escape : {herald::compose::Escape::kHtml, herald::compose::Escape::kNone}) {
    const auto rendered = herald::compose::RenderMustache(source, Data(), partials, escape);
    if (syntax.ok() && partials.empty() && !rendered.ok()) __builtin_trap();
  }
  return 0;
}
