// The Mustache spec (core modules, tests/fixtures/mustache-spec), every case, plus
// what Herald adds: syntax errors with line and column, and escaping per body kind.
#include "services/compose/mustache.h"

#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <fstream>
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
      RenderMustache(c.source, NodeFromJson(c.data), c.partials, Escape::kHtml);
  if (!CheckNoPartialCycle(c.partials).ok()) {
    // The one deliberate difference: partials that include themselves are refused, since
    // every message must finish rendering (the spec's "Recursion" case).
    EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument) << c.name;
    return;
  }
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
  // Only one of them has recursive partials.
  EXPECT_EQ(std::count_if(cases.begin(), cases.end(),
                          [](const SpecCase& c) { return !CheckNoPartialCycle(c.partials).ok(); }),
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
  mstch::map data{{"name", std::string("Tom & Jerry <3 \"quotes\" 'single'")}};
  EXPECT_EQ(*RenderMustache("Hi {{name}}", data, {}, Escape::kHtml),
            "Hi Tom &amp; Jerry &lt;3 &quot;quotes&quot; &#39;single&#39;");
  EXPECT_EQ(*RenderMustache("Hi {{name}}", data, {}, Escape::kNone),
            "Hi Tom & Jerry <3 \"quotes\" 'single'");
  EXPECT_EQ(*RenderMustache("Hi {{{name}}}", data, {}, Escape::kHtml),
            "Hi Tom & Jerry <3 \"quotes\" 'single'");
}

TEST(Mustache, PartialsAreCheckedAndShared) {
  std::map<std::string, std::string> partials{{"footer", "-- {{brand}}"}};
  mstch::map data{{"brand", std::string("Herald")}};
  EXPECT_EQ(*RenderMustache("Thanks\n{{>footer}}", data, partials, Escape::kNone),
            "Thanks\n-- Herald");
  partials["footer"] = "-- {{#brand}}";
  auto broken = RenderMustache("{{>footer}}", data, partials, Escape::kNone);
  EXPECT_EQ(broken.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(broken.status().message(), HasSubstr("partial \"footer\": line 1, column 4"));
}

// Found by template_fuzzer: mstch throws on a comment of only white space and on a tab
// in a delimiter change, so the syntax check refuses them (on save) rather than letting
// the send fail.
TEST(Mustache, WhatTheLibraryCannotRenderIsASyntaxErrorNotARenderFailure) {
  EXPECT_THAT(CheckMustacheSyntax("Hi {{! }}there").message(),
              HasSubstr("line 1, column 4: a comment of only white space cannot be rendered"));
  EXPECT_TRUE(CheckMustacheSyntax("{{!}}{{! a note }}").ok());
  mstch::map data;
  EXPECT_EQ(RenderMustache("{{!\n}}", data, {}, Escape::kNone).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(*RenderMustache("a{{!}}b{{! c }}d", data, {}, Escape::kNone), "abd");
  // Likewise a delimiter change with a tab.
  EXPECT_THAT(CheckMustacheSyntax("{{=<\t%=}}").message(),
              HasSubstr("a delimiter change may hold no white space but spaces"));
  EXPECT_EQ(*RenderMustache("{{= <% %> =}}<%! x %>y", data, {}, Escape::kNone), "y");
  // And delimiters one of which holds the other.
  EXPECT_THAT(CheckMustacheSyntax("{{=<% %=}}<%e%").message(),
              HasSubstr("neither of which holds the other"));
  EXPECT_EQ(*RenderMustache("{{=| |=}}|! x|y", data, {}, Escape::kNone), "y");
}

// Found by template_fuzzer: a partial that includes itself recursed until the stack
// overflowed.
TEST(Mustache, PartialsThatIncludeThemselvesAreRefusedNotRendered) {
  mstch::map data{{"brand", std::string("Herald")}};
  auto self = RenderMustache("{{>footer}}", data, {{"footer", "-- {{>footer}}"}}, Escape::kNone);
  EXPECT_EQ(self.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(self.status().message(), HasSubstr("footer -> footer"));
  auto circle = RenderMustache(
      "{{>a}}", data, {{"a", "{{>b}}"}, {"b", "{{#brand}}{{>a}}{{/brand}}"}}, Escape::kHtml);
  EXPECT_EQ(circle.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(circle.status().message(), HasSubstr("a -> b -> a"));
}

}  // namespace
}  // namespace herald::compose
