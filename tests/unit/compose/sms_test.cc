#include "services/compose/sms.h"

#include <gtest/gtest.h>

#include <string>

namespace herald::compose {
namespace {

SmsSize Measure(const std::string& text) {
  absl::StatusOr<SmsSize> size = MeasureSms(text);
  EXPECT_TRUE(size.ok()) << size.status();
  return size.ok() ? *size : SmsSize{};
}

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

TEST(Sms, PlainDutchTextIsGsm7) {
  const SmsSize s =
      Measure("Je pakket 1001 is onderweg met PostNL. Volg het: t.example/1001 ¡Olé! ß");
  EXPECT_EQ(s.encoding, SmsEncoding::kGsm7);
  EXPECT_EQ(s.units, 71);
  EXPECT_EQ(s.segments, 1);
}

TEST(Sms, ExtensionCharactersCostTwoSeptets) {
  EXPECT_EQ(Measure("Prijs: €5 [korting]").units, 22);  // € [ ] two each
  EXPECT_EQ(Measure("Prijs: €5 [korting]").encoding, SmsEncoding::kGsm7);
}

TEST(Sms, OneEmojiMakesTheWholeTextUcs2) {
  const SmsSize s = Measure("Je pakket is onderweg 📦");
  EXPECT_EQ(s.encoding, SmsEncoding::kUcs2);
  EXPECT_EQ(s.units, 22 + 2);  // the emoji is a surrogate pair
  EXPECT_EQ(s.segments, 1);
  // A character outside GSM-7 but inside the BMP is one unit.
  EXPECT_EQ(Measure("Łódź").encoding, SmsEncoding::kUcs2);
  EXPECT_EQ(Measure("Łódź").units, 4);
}

TEST(Sms, Gsm7SegmentBoundaries) {
  EXPECT_EQ(Measure(Repeat("a", 160)).segments, 1);
  EXPECT_EQ(Measure(Repeat("a", 161)).segments, 2);
  EXPECT_EQ(Measure(Repeat("a", 306)).segments, 2);
  EXPECT_EQ(Measure(Repeat("a", 307)).segments, 3);
  // 159 septets and one extension character: 161 septets, two parts.
  EXPECT_EQ(Measure(Repeat("a", 159) + "€").segments, 2);
  EXPECT_EQ(Measure(Repeat("a", 158) + "€").segments, 1);
  // An escape pair is not split: 152 + 2 does not fit the first part of 153, so 306
  // septets need three parts, not two.
  const SmsSize split = Measure(Repeat("a", 152) + "€" + Repeat("a", 152));
  EXPECT_EQ(split.units, 306);
  EXPECT_EQ(split.segments, 3);
}

TEST(Sms, Ucs2SegmentBoundaries) {
  EXPECT_EQ(Measure(Repeat("ł", 70)).segments, 1);
  EXPECT_EQ(Measure(Repeat("ł", 71)).segments, 2);
  EXPECT_EQ(Measure(Repeat("ł", 134)).segments, 2);
  EXPECT_EQ(Measure(Repeat("ł", 135)).segments, 3);
  // A surrogate pair is not split: 66 + 2 does not fit the first part of 67, so 134
  // units need three parts, not two.
  const SmsSize split = Measure(Repeat("ł", 66) + "📦" + Repeat("ł", 66));
  EXPECT_EQ(split.units, 134);
  EXPECT_EQ(split.segments, 3);
}

TEST(Sms, EmptyAndInvalidText) {
  EXPECT_EQ(Measure("").segments, 1);
  EXPECT_EQ(MeasureSms("\xC3\x28").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace herald::compose
