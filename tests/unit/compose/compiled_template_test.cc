// Compiled templates: rendering from a context stack, recursion bounded by depth, and
// values read as templates have always read them.
#include "services/compose/compiled_template.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "services/compose/json_data.h"

namespace herald::compose {
namespace {

using ::testing::HasSubstr;

std::shared_ptr<const CompiledTemplate> Compile(std::string_view source) {
  absl::StatusOr<std::shared_ptr<const CompiledTemplate>> compiled =
      CompiledTemplate::Compile(source);
  EXPECT_TRUE(compiled.ok()) << compiled.status();
  return compiled.ok() ? *compiled : nullptr;
}

Partials CompilePartials(const std::map<std::string, std::string>& sources) {
  Partials partials;
  for (const auto& [name, source] : sources) partials.Add(name, Compile(source));
  return partials;
}

absl::StatusOr<std::string> Render(std::string_view source, Context context,
                                   const Partials& partials = {}) {
  std::string out;
  absl::Status status = Render(*Compile(source), context, partials, Escape::kHtml, out);
  if (!status.ok()) return status;
  return out;
}

Value Json(std::string_view json) {
  absl::StatusOr<Value> value = ParseJsonData(json);
  EXPECT_TRUE(value.ok()) << value.status();
  return value.ok() ? *std::move(value) : Value();
}

TEST(ContextStack, NamesAreFoundInLowerLayersAndTheTopHidesWhatIsBelow) {
  const Value event = Json(R"({"order": {"id": "1001"}, "brand": "Herald",
                               "customer": {"name": "from the event"}})");
  const Value anna = Json(R"({"customer": {"name": "Anna"}})");
  const Value* const stack[] = {&event, &anna};
  EXPECT_EQ(*Render("{{customer.name}}: {{order.id}} by {{brand}}", stack), "Anna: 1001 by Herald");
  // The same shared layer under another customer.
  const Value bob = Json(R"({"customer": {"name": "Bob"}})");
  const Value* const other[] = {&event, &bob};
  EXPECT_EQ(*Render("{{customer.name}}: {{order.id}}", other), "Bob: 1001");
  // A section's item sits on top of both.
  const Value items = Json(R"({"items": [{"brand": "Acme"}, {}]})");
  const Value* const three[] = {&event, &items, &anna};
  EXPECT_EQ(*Render("{{#items}}[{{brand}}]{{/items}}", three), "[Acme][Herald]");
}

TEST(ContextStack, AnEmptyStackRendersTextAndNothingElse) {
  EXPECT_EQ(*Render("a{{x}}{{.}}{{#x}}b{{/x}}{{^x}}c{{/x}}", {}), "ac");
}

TEST(Rendering, ValuesReadAsTemplatesHaveAlwaysReadThem) {
  const Value data = Json(R"({"zero": 0, "empty": "", "none": null, "map": {}, "list": [],
                              "half": 2.5, "big": 12345678901, "third": 0.3333333333,
                              "yes": true, "no": false})");
  const Value* const stack[] = {&data};
  // 0, "", null, false and [] are falsy; a map, even an empty one, is not.
  EXPECT_EQ(*Render("{{#zero}}0{{/zero}}{{#empty}}e{{/empty}}{{#none}}n{{/none}}"
                    "{{#map}}m{{/map}}{{#list}}l{{/list}}{{#no}}f{{/no}}{{^zero}}!0{{/zero}}",
                    stack),
            "m!0");
  // Numbers as the C++ stream writes them by default.
  EXPECT_EQ(*Render("{{zero}} {{half}} {{big}} {{third}} {{yes}} {{no}} [{{none}}{{map}}]", stack),
            "0 2.5 1.23457e+10 0.333333 true false []");
}

TEST(Rendering, EveryKeyOfALargeMapIsFound) {
  std::string json = "{";
  std::string source;
  std::string expected;
  for (int i = 40; i > 0; --i) {
    const std::string key = "k" + std::to_string(i);
    json += (i == 40 ? "\"" : ", \"") + key + "\": " + std::to_string(i);
    source += "{{" + key + "}} ";
    expected += std::to_string(i) + " ";
  }
  json += "}";
  const Value data = Json(json);
  const Value* const stack[] = {&data};
  EXPECT_EQ(*Render(source + "[{{k0}}]", stack), expected + "[]");
  // Built in code, the last of a repeated key counts.
  const Value repeated = Value::MakeMap({{"a", 1}, {"b", 2}, {"a", 3}});
  const Value* const again[] = {&repeated};
  EXPECT_EQ(*Render("{{a}}{{b}}", again), "32");
}

TEST(Rendering, PartialsAloneOnTheirLineAreIndentedLineByLine) {
  const Value data = Json(R"({"items": ["a", "b"], "note": "x\ny"})");
  const Value* const stack[] = {&data};
  const Partials partials = CompilePartials({
      {"list", "{{#items}}\n- {{.}}\n{{/items}}\n"},
      {"outer", "begin\n  {{>list}}\n{{{note}}}\nend\n"},
  });
  EXPECT_EQ(*Render("<\n  {{>outer}}\n>", stack, partials),
            "<\n  begin\n    - a\n    - b\n  x\ny\n  end\n>");
  // Inline, a partial is not indented.
  EXPECT_EQ(*Render("  {{>list}} |", stack, partials), "  - a\n- b\n |");
}

TEST(Rendering, APartialWalksATreeAsDeepAsItsData) {
  const Value tree = Json(R"({"name": "root", "children": [
      {"name": "a", "children": [{"name": "a1", "children": []}]},
      {"name": "b", "children": []}]})");
  const Value* const stack[] = {&tree};
  const Partials partials =
      CompilePartials({{"node", "{{name}}({{#children}}{{>node}}{{/children}})"}});
  EXPECT_EQ(*Render("{{>node}}", stack, partials), "root(a(a1())b())");
}

TEST(Bounds, APartialIncludingItselfForeverIsRefusedNamingTheChain) {
  const Value data = Json(R"({"brand": "Herald"})");
  const Value* const stack[] = {&data};
  absl::StatusOr<std::string> self =
      Render("{{>footer}}", stack, CompilePartials({{"footer", "-- {{brand}} {{>footer}}"}}));
  EXPECT_EQ(self.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(self.status().message(),
            "partial \"footer\" nested more than 64 deep (footer -> footer -> ...)");
  // Through a section whose data never ends it.
  absl::StatusOr<std::string> circle = Render(
      "{{>a}}", stack, CompilePartials({{"a", "{{>b}}"}, {"b", "{{#brand}}{{>a}}{{/brand}}"}}));
  EXPECT_EQ(circle.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(circle.status().message(),
              HasSubstr("nested more than 64 deep (a -> b -> a -> ...)"));
}

TEST(Bounds, SectionsNestedTooDeepAreRefused) {
  const Value data = Json(R"({"a": {"b": true}})");
  const Value* const stack[] = {&data};
  std::string source;
  for (int i = 0; i < 200; ++i) source += "{{#a}}";
  source += "deep";
  for (int i = 0; i < 200; ++i) source += "{{/a}}";
  absl::StatusOr<std::string> out = Render(source, stack);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(out.status().message(), "section \"a\" nested more than 128 deep");
  // As deep as the bound renders.
  std::string fits;
  for (int i = 0; i < kMaxSectionDepth; ++i) fits += "{{#a}}";
  fits += "deep";
  for (int i = 0; i < kMaxSectionDepth; ++i) fits += "{{/a}}";
  EXPECT_EQ(*Render(fits, stack), "deep");
}

TEST(Bounds, ListsInListsThatWouldRenderForeverAreRefused) {
  const Value data = Json(R"({"items": [1, 2, 3, 4]})");
  const Value* const stack[] = {&data};
  std::string source;
  for (int i = 0; i < 40; ++i) source += "{{#items}}";  // 4^40 runs
  for (int i = 0; i < 40; ++i) source += "{{/items}}";
  absl::StatusOr<std::string> out = Render(source, stack);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(out.status().message(),
            "rendering takes more than 1000000 steps (lists in lists multiply them)");
}

}  // namespace
}  // namespace herald::compose
