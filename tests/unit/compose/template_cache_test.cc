#include "services/compose/template_cache.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace herald::compose {
namespace {

TEST(TemplateCache, TheSameSourceIsCompiledOnceAndSharedByEveryone) {
  TemplateCache cache;
  absl::StatusOr<std::shared_ptr<const CompiledTemplate>> first = cache.Get("Hallo {{name}}");
  ASSERT_TRUE(first.ok()) << first.status();
  const std::string again = "Hallo {{name}}";  // another string, the same text
  absl::StatusOr<std::shared_ptr<const CompiledTemplate>> second = cache.Get(again);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(first->get(), second->get());
  EXPECT_EQ(cache.size(), 1u);
}

TEST(TemplateCache, AChangedSnippetIsANewSource) {
  TemplateCache cache;
  auto before = cache.Get("-- Herald Bank, Amsterdam");
  auto after = cache.Get("-- Herald Bank, Utrecht");
  ASSERT_TRUE(before.ok() && after.ok());
  EXPECT_NE(before->get(), after->get());
  EXPECT_EQ((*after)->source(), "-- Herald Bank, Utrecht");
}

TEST(TemplateCache, SyntaxErrorsAreReportedAndNotKept) {
  TemplateCache cache;
  auto broken = cache.Get("Hi {{#x}}");
  EXPECT_EQ(broken.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(broken.status().message(),
            "line 1, column 4: section \"x\" opened here is never closed (add {{/x}})");
  EXPECT_EQ(cache.size(), 0u);
}

TEST(TemplateCache, StaysWithinItsSizeAndKeepsWhatIsInUse) {
  auto one = CompiledTemplate::Compile("template 0 {{x}}");
  ASSERT_TRUE(one.ok());
  TemplateCache cache(/*max_bytes=*/(*one)->bytes() * 10);
  auto kept = cache.Get("template 0 {{x}}");
  ASSERT_TRUE(kept.ok());
  for (int i = 1; i < 100; ++i) {
    ASSERT_TRUE(cache.Get("template " + std::to_string(i) + " {{x}}").ok());
    ASSERT_TRUE(cache.Get("template 0 {{x}}").ok());  // used all along
  }
  EXPECT_LE(cache.bytes(), (*one)->bytes() * 10);
  EXPECT_LT(cache.size(), 11u);
  EXPECT_EQ(cache.Get("template 0 {{x}}")->get(), kept->get());
  // What it evicted still renders for whoever holds it, and compiles again when asked.
  EXPECT_TRUE(cache.Get("template 1 {{x}}").ok());
}

TEST(TemplateCache, ThreadsRenderingAtOnceShareOneCompiledForm) {
  TemplateCache cache;
  std::vector<const CompiledTemplate*> seen(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < seen.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        auto compiled = cache.Get("Je bestelling {{order.order_id}} is onderweg");
        if (!compiled.ok()) return;
        auto other = cache.Get("source " + std::to_string(i % 7));
        if (!other.ok()) return;
        seen[t] = compiled->get();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const CompiledTemplate* compiled : seen) EXPECT_EQ(compiled, seen[0]);
  EXPECT_EQ(cache.size(), 8u);
}

}  // namespace
}  // namespace herald::compose
