#include "services/core/kinds.h"

#include <gtest/gtest.h>

namespace herald::core {
namespace {

template <typename E>
void ExpectRoundTrip(std::initializer_list<E> values, std::optional<E> (*parse)(std::string_view)) {
  for (E v : values) {
    EXPECT_NE(Name(v), "UNKNOWN");
    EXPECT_EQ(parse(Name(v)), v) << Name(v);
  }
  EXPECT_EQ(parse("NOT_A_VALUE"), std::nullopt);
}

TEST(Kinds, EveryValueHasANameThatParsesBack) {
  ExpectRoundTrip({Channel::kEmail, Channel::kSms}, ParseChannel);
  ExpectRoundTrip({Category::kOrderUpdate, Category::kServiceUpdate, Category::kReminder,
                   Category::kSurvey, Category::kInformational, Category::kSecurity},
                  ParseCategory);
  ExpectRoundTrip({Priority::kLow, Priority::kNormal, Priority::kHigh, Priority::kUrgent},
                  ParsePriority);
  ExpectRoundTrip({ConsentState::kGranted, ConsentState::kDenied}, ParseConsentState);
  ExpectRoundTrip({SuppressionReason::kHardBounce, SuppressionReason::kUnsubscribe,
                   SuppressionReason::kComplaint, SuppressionReason::kOperator},
                  ParseSuppressionReason);
}

}  // namespace
}  // namespace herald::core
