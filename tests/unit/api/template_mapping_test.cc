#include "services/api/template_mapping.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/fake_clock.h"

namespace herald::api {
namespace {

using ::testing::HasSubstr;
using testing::TestEpoch;

v1::Template Valid() {
  v1::Template t;
  t.set_name("order-shipped");
  t.set_category(v1::CATEGORY_ORDER_UPDATE);
  t.add_event_types("order.shipped");
  t.set_default_locale("en");
  v1::LocalizedContent* en = t.add_contents();
  en->set_locale("en");
  en->mutable_email()->set_subject("Your order {{order.order_id}} is on its way");
  en->mutable_email()->set_text_body("Hello {{customer.display_name}}");
  en->mutable_sms()->set_text("Order {{order.order_id}} shipped");
  v1::LocalizedContent* nl = t.add_contents();
  nl->set_locale("nl");
  nl->mutable_sms()->set_text("Bestelling {{order.order_id}} is verzonden");
  return t;
}

std::string ErrorOf(const v1::Template& t) {
  auto converted = TemplateFromProto(t, "template", TestEpoch());
  EXPECT_EQ(converted.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(converted.status().message());
}

TEST(TemplateFromProto, AcceptsAValidTemplateAndDefaultsPriority) {
  auto t = TemplateFromProto(Valid(), "template", TestEpoch());
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->priority, core::Priority::kNormal);
  ASSERT_EQ(t->contents.size(), 2u);
  EXPECT_TRUE(t->contents[0].email.has_value());
  EXPECT_FALSE(t->contents[1].email.has_value());
  EXPECT_EQ(t->update_time, TestEpoch());
}

TEST(TemplateFromProto, RoundTripsThroughTheApi) {
  auto t = TemplateFromProto(Valid(), "template", TestEpoch());
  ASSERT_TRUE(t.ok());
  auto again = TemplateFromProto(TemplateToProto(*t), "template", TestEpoch());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *t);
}

TEST(TemplateFromProto, NamesTheFieldThatIsWrong) {
  v1::Template t = Valid();
  t.set_name("Order Shipped");
  EXPECT_THAT(ErrorOf(t), HasSubstr("template.name: "));
  t = Valid();
  t.clear_category();
  EXPECT_THAT(ErrorOf(t), HasSubstr("template.category: must be set"));
  t = Valid();
  t.add_event_types("OrderShipped");
  EXPECT_THAT(ErrorOf(t), HasSubstr("template.event_types[1]: \"OrderShipped\""));
  t = Valid();
  t.clear_event_types();
  EXPECT_THAT(ErrorOf(t), HasSubstr("template.event_types: "));
  t = Valid();
  t.set_default_locale("de");
  EXPECT_THAT(ErrorOf(t), HasSubstr("template.default_locale: \"de\" has no entry in contents"));
  t = Valid();
  t.mutable_contents(1)->set_locale("EN");
  EXPECT_THAT(ErrorOf(t), HasSubstr("template.contents[1].locale: \"en\" has content twice"));
  t = Valid();
  t.mutable_contents(0)->mutable_email()->clear_subject();
  EXPECT_THAT(ErrorOf(t), HasSubstr("template.contents[0].email.subject: must be set"));
  t = Valid();
  t.mutable_contents(1)->clear_sms();
  EXPECT_THAT(ErrorOf(t), HasSubstr("template.contents[1]: has neither email nor sms"));
  t = Valid();
  t.set_max_sms_segments(-1);
  EXPECT_THAT(ErrorOf(t), HasSubstr("template.max_sms_segments: "));
}

}  // namespace
}  // namespace herald::api
