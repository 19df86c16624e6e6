#include "services/api/update_mask.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "herald/v1/profile.pb.h"

namespace herald::api {
namespace {

using ::testing::HasSubstr;

const std::set<std::string> kFrozen = {"customer_id", "create_time", "update_time"};

v1::CustomerProfile Stored() {
  v1::CustomerProfile p;
  p.set_customer_id("c1");
  p.set_email("old@example.nl");
  p.set_phone("+31612345678");
  p.add_preferred_channels(v1::CHANNEL_EMAIL);
  p.add_preferred_channels(v1::CHANNEL_SMS);
  p.mutable_create_time()->set_seconds(100);
  return p;
}

TEST(ApplyUpdateMask, ChangesOnlyTheNamedFields) {
  v1::CustomerProfile patch;
  patch.set_email("new@example.nl");
  patch.set_phone("+32470123456");
  google::protobuf::FieldMask mask;
  mask.add_paths("email");
  v1::CustomerProfile target = Stored();
  ASSERT_TRUE(ApplyUpdateMask(patch, mask, kFrozen, target).ok());
  EXPECT_EQ(target.email(), "new@example.nl");
  EXPECT_EQ(target.phone(), "+31612345678");
}

TEST(ApplyUpdateMask, ReplacesRepeatedFieldsWholeAndClearsWithAnEmptyValue) {
  v1::CustomerProfile patch;
  patch.add_preferred_channels(v1::CHANNEL_SMS);
  google::protobuf::FieldMask mask;
  mask.add_paths("preferred_channels");
  mask.add_paths("phone");  // named but empty in the patch: cleared
  v1::CustomerProfile target = Stored();
  ASSERT_TRUE(ApplyUpdateMask(patch, mask, kFrozen, target).ok());
  ASSERT_EQ(target.preferred_channels_size(), 1);
  EXPECT_EQ(target.preferred_channels(0), v1::CHANNEL_SMS);
  EXPECT_EQ(target.phone(), "");
}

TEST(ApplyUpdateMask, EmptyMaskMeansTheFieldsSetInThePatch) {
  v1::CustomerProfile patch;
  patch.set_customer_id("other");  // frozen: ignored
  patch.set_locale("nl-BE");
  v1::CustomerProfile target = Stored();
  ASSERT_TRUE(ApplyUpdateMask(patch, {}, kFrozen, target).ok());
  EXPECT_EQ(target.locale(), "nl-BE");
  EXPECT_EQ(target.email(), "old@example.nl");
  EXPECT_EQ(target.customer_id(), "c1");
}

TEST(ApplyUpdateMask, StarReplacesEverythingButFrozenFields) {
  v1::CustomerProfile patch;
  patch.set_locale("nl");
  google::protobuf::FieldMask mask;
  mask.add_paths("*");
  v1::CustomerProfile target = Stored();
  ASSERT_TRUE(ApplyUpdateMask(patch, mask, kFrozen, target).ok());
  EXPECT_EQ(target.locale(), "nl");
  EXPECT_EQ(target.email(), "");
  EXPECT_EQ(target.customer_id(), "c1");
  EXPECT_EQ(target.create_time().seconds(), 100);
}

TEST(ApplyUpdateMask, RejectsUnknownAndFrozenPathsNamingThem) {
  v1::CustomerProfile target = Stored();
  google::protobuf::FieldMask unknown;
  unknown.add_paths("emial");
  absl::Status s = ApplyUpdateMask(v1::CustomerProfile(), unknown, kFrozen, target);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("update_mask: \"emial\" is not a field"));

  google::protobuf::FieldMask frozen;
  frozen.add_paths("create_time");
  s = ApplyUpdateMask(v1::CustomerProfile(), frozen, kFrozen, target);
  EXPECT_THAT(std::string(s.message()), HasSubstr("\"create_time\" cannot be updated"));
  EXPECT_EQ(target.email(), "old@example.nl");
}

}  // namespace
}  // namespace herald::api
