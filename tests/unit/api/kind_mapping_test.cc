#include "services/api/kind_mapping.h"

#include <gtest/gtest.h>

namespace herald::api {
namespace {

// Walks every proto enum value, so a value added to the API without a domain
// counterpart (or the other way round) fails here.
template <typename P, typename D>
void ExpectBijection(const google::protobuf::EnumDescriptor* descriptor) {
  for (int i = 0; i < descriptor->value_count(); ++i) {
    auto proto = static_cast<P>(descriptor->value(i)->number());
    std::optional<D> domain = FromProto(proto);
    if (descriptor->value(i)->number() == 0) {
      EXPECT_EQ(domain, std::nullopt) << descriptor->value(i)->name();
      continue;
    }
    ASSERT_TRUE(domain.has_value()) << descriptor->value(i)->name() << " has no domain value";
    EXPECT_EQ(ToProto(*domain), proto) << descriptor->value(i)->name();
  }
  EXPECT_EQ(FromProto(static_cast<P>(999)), std::nullopt);
}

TEST(KindMapping, EveryApiValueMapsToTheDomainAndBack) {
  ExpectBijection<v1::Channel, core::Channel>(v1::Channel_descriptor());
  ExpectBijection<v1::Category, core::Category>(v1::Category_descriptor());
  ExpectBijection<v1::Priority, core::Priority>(v1::Priority_descriptor());
  ExpectBijection<v1::ConsentState, core::ConsentState>(v1::ConsentState_descriptor());
  ExpectBijection<v1::SuppressionReason, core::SuppressionReason>(
      v1::SuppressionReason_descriptor());
  ExpectBijection<v1::NotificationState, core::NotificationState>(
      v1::NotificationState_descriptor());
}

}  // namespace
}  // namespace herald::api
