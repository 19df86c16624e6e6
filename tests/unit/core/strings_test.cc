#include "services/core/strings.h"

#include <gtest/gtest.h>

namespace herald::core {
namespace {

TEST(ToValidUtf8, KeepsValidTextAndReplacesWhatIsNot) {
  EXPECT_EQ(ToValidUtf8("Grüße €"), "Grüße €");
  EXPECT_TRUE(
      IsValidUtf8(ToValidUtf8("Gr\xFC\xDF"
                              "e")));  // Latin-1
  EXPECT_EQ(ToValidUtf8("a\xFF"
                        "b"),
            "a\xEF\xBF\xBD"
            "b");
  // A surrogate: each byte that cannot start or continue a character is replaced.
  EXPECT_EQ(ToValidUtf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_TRUE(IsValidUtf8(ToValidUtf8("\xED\xA0\x80")));
}

TEST(ToValidUtf8, CutsOnACharacterBoundary) {
  // "€" is three bytes: four bytes of "a€€" keep "a€", never half a euro.
  EXPECT_EQ(ToValidUtf8("a€€", 4), "a€");
  EXPECT_EQ(ToValidUtf8("a€€", 3), "a");
  EXPECT_EQ(ToValidUtf8("a€€", 7), "a€€");
  EXPECT_EQ(ToValidUtf8("abc", 0), "");
}

}  // namespace
}  // namespace herald::core
