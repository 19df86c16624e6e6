// The Mustache spec (core modules, tests/fixtures/mustache-spec), every case, plus
// what Herald adds: syntax errors with line and column, and escaping per body kind.
// Rendering bounds, the context stack and compiled forms: compiled_template_test.cc.
#include "services/compose/mustache.h"

#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <ostream>
#include <sstream>

#include "services/compose/json_data.h"

namespace herald::compose {
namespace {

using ::testing::HasSubstr;

struct SpecCase {
  std::string file;
  std::string name;
  std::string source;
  std::string expected;
  google::protobuf::Value data;
  std::map<std::string, std::string> partials;
};

// What gtest prints for a case (instead of its bytes): the spec file and case name.
void PrintTo(const SpecCase& c, std::ostream* os) { *os << c.file << ": " << c.name; }

std::vector<SpecCase> LoadSpec() {
  std::vector<SpecCase> cases;
  for (const char* file :
       {"comments", "delimiters", "interpolation", "inverted", "partials", "sections"}) {
    std::ifstream in(std::string(MUSTACHE_SPEC_DIR) + "/" + file + ".json");
    std::stringstream text;
    text << in.rdbuf();
    google::protobuf::Struct spec;
    if (!google::protobuf::util::JsonStringToMessage(text.str(), &spec).ok()) {
      ADD_FAILURE() << "cannot read the spec file " << file;
      continue;
    }
    for (const auto& test : spec.fields().at("tests").list_value().values()) {
      const auto& f = test.struct_value().fields();
      SpecCase c{file,
                 f.at("name").string_value(),
                 f.at("template").string_value(),
                 f.at("expected").string_value(),
                 f.at("data"),
                 {}};
      if (f.contains("partials")) {
        for (const auto& [name, partial] : f.at("partials").struct_value().fields()) {
          c.partials[name] = partial.string_value();
        }
      }
      cases.push_back(std::move(c));
    }
  }
  return cases;
}

class MustacheSpec : public ::testing::TestWithParam<SpecCase> {};

TEST_P(MustacheSpec, RendersAsTheSpecSays) {
  const SpecCase& c = GetParam();
  absl::StatusOr<std::string> out =
      RenderMustache(c.source, ValueFromJson(c.data), c.partials, Escape::kHtml);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, c.expected) << c.file << ": " << c.name << "\ntemplate: " << c.source;
}

INSTANTIATE_TEST_SUITE_P(Core, MustacheSpec, ::testing::ValuesIn(LoadSpec()),
                         [](const ::testing::TestParamInfo<SpecCase>& param) {
                           std::string name = param.param.file + "_" + param.param.name;
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

TEST(MustacheSpecSize, AllCoreCasesAreLoaded) {
  const std::vector<SpecCase> cases = LoadSpec();
  EXPECT_EQ(cases.size(), 136u);
  // One of them is a partial that includes itself (recursion over a tree), and passes.
  EXPECT_EQ(std::count_if(cases.begin(), cases.end(),
                          [](const SpecCase& c) { return FindPartialCycle(c.partials); }),
            1);
}

TEST(Mustache, SyntaxErrorsSayWhatAndWhere) {
  auto error = [](std::string_view source) {
    return std::string(CheckMustacheSyntax(source).message());
  };
  EXPECT_EQ(error("Hello {{name"), "line 1, column 7: tag opened here is never closed with \"}}\"");
  EXPECT_EQ(error("Dear {{name}},\n\n  {{#items}}\n- {{title}}\n"),
            "line 3, column 3: section \"items\" opened here is never closed (add {{/items}})");
  EXPECT_EQ(error("{{#a}}{{#b}}{{/a}}{{/b}}"),
            "line 1, column 13: \"a\" is closed here, but \"b\" (opened at line 1, column 7) "
            "must be closed first");
  EXPECT_EQ(error("ok\n{{/done}}"),
            "line 2, column 1: \"done\" is closed here but was never opened");
  EXPECT_EQ(error("{{}}"), "line 1, column 1: tag has no name");
  EXPECT_EQ(error("{{first name}}"),
            "line 1, column 1: tag name \"first name\" contains white space");
  EXPECT_EQ(error("{{{raw}}"), "line 1, column 1: tag opened here is never closed with \"}}}\"");
  EXPECT_EQ(error("{{=<%%>=}}"),
            "line 1, column 1: a delimiter change needs two delimiters separated by a space");
  // Columns count characters, not bytes.
  EXPECT_EQ(error("Beste €, {{#x}}"),
            "line 1, column 10: section \"x\" opened here is never closed (add {{/x}})");
  // Changed delimiters are followed; comments may hold anything.
  EXPECT_TRUE(CheckMustacheSyntax("{{=<% %>=}}<%#a%>{{not a tag<%/a%>").ok());
  EXPECT_TRUE(CheckMustacheSyntax("{{! {{#unbalanced }}").ok());
}

TEST(Mustache, HtmlBodiesEscapeTextBodiesDoNot) {
  const Value data = Value::MakeMap({{"name", "Tom & Jerry <3 \"quotes\" 'single'"}});
  EXPECT_EQ(*RenderMustache("Hi {{name}}", data, {}, Escape::kHtml),
            "Hi Tom &amp; Jerry &lt;3 &quot;quotes&quot; &#39;single&#39;");
  EXPECT_EQ(*RenderMustache("Hi {{name}}", data, {}, Escape::kNone),
            "Hi Tom & Jerry <3 \"quotes\" 'single'");
  EXPECT_EQ(*RenderMustache("Hi {{{name}}}", data, {}, Escape::kHtml),
            "Hi Tom & Jerry <3 \"quotes\" 'single'");
  EXPECT_EQ(*RenderMustache("Hi {{&name}}", data, {}, Escape::kHtml),
            "Hi Tom & Jerry <3 \"quotes\" 'single'");
  EXPECT_EQ(*RenderMustache("{{=<% %>=}}Hi <%{name}%>", data, {}, Escape::kHtml),
            "Hi Tom & Jerry <3 \"quotes\" 'single'");
  EXPECT_EQ(EscapeHtml("a/b <c>"), "a/b &lt;c&gt;");
}

TEST(Mustache, PartialsAreCheckedAndShared) {
  std::map<std::string, std::string> partials{{"footer", "-- {{brand}}"}};
  const Value data = Value::MakeMap({{"brand", "Herald"}});
  EXPECT_EQ(*RenderMustache("Thanks\n{{>footer}}", data, partials, Escape::kNone),
            "Thanks\n-- Herald");
  partials["footer"] = "-- {{#brand}}";
  auto broken = RenderMustache("{{>footer}}", data, partials, Escape::kNone);
  EXPECT_EQ(broken.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(broken.status().message(), HasSubstr("partial \"footer\": line 1, column 4"));
}

// Found by template_fuzzer when Herald rendered with another library, which threw on
// these after the check had passed them: a comment of only white space, a tab in a
// delimiter change, delimiters one of which holds the other. They stay refused on
// save, so that templates mean the same as before.
TEST(Mustache, WhatTheFirstLibraryCouldNotRenderStaysASyntaxError) {
  EXPECT_THAT(CheckMustacheSyntax("Hi {{! }}there").message(),
              HasSubstr("line 1, column 4: a comment of only white space cannot be rendered"));
  EXPECT_TRUE(CheckMustacheSyntax("{{!}}{{! a note }}").ok());
  const Value data;
  EXPECT_EQ(RenderMustache("{{!\n}}", data, {}, Escape::kNone).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(*RenderMustache("a{{!}}b{{! c }}d", data, {}, Escape::kNone), "abd");
  EXPECT_THAT(CheckMustacheSyntax("{{=<\t%=}}").message(),
              HasSubstr("a delimiter change may hold no white space but spaces"));
  EXPECT_EQ(*RenderMustache("{{= <% %> =}}<%! x %>y", data, {}, Escape::kNone), "y");
  EXPECT_THAT(CheckMustacheSyntax("{{=<% %=}}<%e%").message(),
              HasSubstr("neither of which holds the other"));
  EXPECT_EQ(*RenderMustache("{{=| |=}}|! x|y", data, {}, Escape::kNone), "y");
}

TEST(Mustache, SpacesMayComeBeforeASigil) {
  absl::StatusOr<Value> data = ParseJsonData(R"({"items": [{"name": "a"}, {"name": "b"}]})");
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(*RenderMustache(
                "{{ #items }}- {{ name }}\n{{ /items }}{{ ! note }}{{ ^none }}none{{ /none }}",
                *data, {}, Escape::kNone),
            "- a\n- b\nnone");
  EXPECT_EQ(CheckMustacheSyntax("Hi {{ #a}}").message(),
            "line 1, column 4: section \"a\" opened here is never closed (add {{/a}})");
}

// Positions are counted in one pass, however many tags: a long source with its mistake
// at the end still names the right line and column.
TEST(Mustache, ErrorsDeepInALongSourceNameTheirLine) {
  std::string source;
  for (int i = 0; i < 20000; ++i) source += "Dag {{customer.name}}, {{#a}}é{{/a}}\n";
  source += "  {{/done}}";
  EXPECT_EQ(CheckMustacheSyntax(source).message(),
            "line 20001, column 3: \"done\" is closed here but was never opened");
}

TEST(Mustache, TagsAreListedInOrderWithWhereTheyAre) {
  absl::StatusOr<std::vector<MustacheTag>> tags =
      ParseMustacheTags("Hi {{customer.name}}\n{{#items}}{{{ name }}}{{/items}}{{> footer}}");
  ASSERT_TRUE(tags.ok()) << tags.status();
  ASSERT_EQ(tags->size(), 5u);
  EXPECT_EQ((*tags)[0].name, "customer.name");
  EXPECT_EQ((*tags)[0].column, 4);
  EXPECT_EQ((*tags)[1].kind, MustacheTag::Kind::kSection);
  EXPECT_EQ((*tags)[1].line, 2);
  EXPECT_EQ((*tags)[2].name, "name");
  EXPECT_EQ((*tags)[3].kind, MustacheTag::Kind::kClose);
  EXPECT_EQ((*tags)[4].kind, MustacheTag::Kind::kPartial);
  EXPECT_EQ((*tags)[4].name, "footer");
}

TEST(Mustache, PartialsIncludingEachOtherInACircleAreFound) {
  EXPECT_EQ(FindPartialCycle({{"footer", "-- {{>footer}}"}}), "footer -> footer");
  EXPECT_EQ(FindPartialCycle({{"a", "{{>b}}"}, {"b", "{{#x}}{{>a}}{{/x}}"}, {"c", "{{>a}}"}}),
            "a -> b -> a");
  EXPECT_EQ(FindPartialCycle({{"a", "{{>b}}"}, {"b", "{{>c}}"}, {"c", "{{>missing}}"}}),
            std::nullopt);
  // Only a circle the partial reaches.
  EXPECT_EQ(FindPartialCycle({{"a", "{{>a}}"}, {"b", "{{>c}}"}, {"c", "x"}}, "b"), std::nullopt);
  EXPECT_EQ(FindPartialCycle({{"a", "{{>b}}"}, {"b", "{{>a}}"}}, "b"), "b -> a -> b");
}

}  // namespace
}  // namespace herald::compose
