#include "services/compose/template_data.h"

#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include "services/compose/compiled_template.h"

namespace herald::compose {
namespace {

using google::protobuf::util::TimeUtil;

v1::Event Shipped() {
  v1::Event e;
  e.set_event_id("ord-1001-shipped");
  e.set_event_type("order.shipped");
  e.set_source("webshop");
  e.set_customer_id("anna");
  *e.mutable_occur_time() =
      TimeUtil::MicrosecondsToTimestamp(1772406000000000);  // 2026-03-01T23:00Z
  v1::OrderEvent* o = e.mutable_order();
  o->set_order_id("1001");
  o->set_carrier("PostNL");
  o->mutable_total()->set_currency_code("EUR");
  o->mutable_total()->set_units(1234);
  o->mutable_total()->set_nanos(500'000'000);
  *o->mutable_expected_delivery_time() = TimeUtil::MicrosecondsToTimestamp(1772530200000000);
  for (const char* name : {"Fiets", "Bel"}) {
    v1::OrderItem* item = o->add_items();
    item->set_name(name);
    item->set_quantity(1);
  }
  (*e.mutable_attributes())["campaign"] = "lente";
  return e;
}

core::Profile Anna() {
  core::Profile p;
  p.customer_id = "anna";
  p.display_name = "Anna de Vries";
  p.email = "anna@example.nl";
  return p;
}

std::string Render(const std::string& source, Context data) {
  auto compiled = CompiledTemplate::Compile(source);
  EXPECT_TRUE(compiled.ok()) << compiled.status();
  if (!compiled.ok()) return "";
  std::string out;
  const absl::Status status = compose::Render(**compiled, data, {}, Escape::kNone, out);
  EXPECT_TRUE(status.ok()) << status;
  return out;
}

std::string Render(const std::string& source, const Value& data) {
  const Value* const stack[] = {&data};
  return Render(source, stack);
}

TEST(TemplateData, AnOrderReadsInTheCustomersLanguageAndZone) {
  const core::Profile anna = Anna();
  auto data = BuildTemplateData(Shipped(), &anna, {"nl-NL", "Europe/Amsterdam"});
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(
      Render("Hallo {{customer.name}}, je bestelling {{order.order_id}} ({{order.total.amount}}) "
             "komt {{order.expected_delivery_time.date}} om "
             "{{order.expected_delivery_time.time}} met {{order.carrier}}.\n"
             "{{#order.items}}- {{name}}\n{{/order.items}}"
             "{{#order.delay_reason}}Vertraagd: {{.}}{{/order.delay_reason}}"
             "[{{attributes.campaign}}] {{event.occur_time.date}}",
             *data),
      "Hallo Anna de Vries, je bestelling 1001 (€\u00A01.234,50) komt dinsdag 3 maart "
      "2026 om 10:30 met PostNL.\n- Fiets\n- Bel\n[lente] maandag 2 maart 2026");
}

TEST(TemplateData, TheSameEventReadsDifferentlyForAnotherReader) {
  auto data = BuildTemplateData(Shipped(), nullptr, {"en-US", "America/New_York"});
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(Render("{{order.total.amount}} {{order.total.value}} {{order.total.currency}} "
                   "{{order.expected_delivery_time.date}} {{order.expected_delivery_time.time}} "
                   "{{order.expected_delivery_time.iso}}",
                   *data),
            "€1,234.50 1234.50 EUR Tuesday, March 3, 2026 4:30\u202FAM 2026-03-03T09:30:00Z");
}

TEST(TemplateData, TimesReadAsIsoInUtcExactlyAsProtobufPrintsThem) {
  // Before 1970, leap days, the last second of a day, and 0, 3, 6 and 9 digits of fraction.
  for (const int64_t seconds : {-62135596800LL, -86401LL, -1LL, 0LL, 951782400LL, 1772495999LL,
                                1772530200LL, 253402300799LL}) {
    for (const int32_t nanos : {0, 500'000'000, 120'000, 7, 999'999'999}) {
      v1::Event e = Shipped();
      e.mutable_occur_time()->set_seconds(seconds);
      e.mutable_occur_time()->set_nanos(nanos);
      auto data = BuildEventData(e, {"en-US", "UTC"});
      ASSERT_TRUE(data.ok()) << data.status();
      EXPECT_EQ(Render("{{event.occur_time.iso}}", *data), TimeUtil::ToString(e.occur_time()))
          << seconds << "s " << nanos << "ns";
    }
  }
}

TEST(TemplateData, EventContactDataWinsOverTheProfile) {
  v1::Event e = Shipped();
  e.mutable_contact_overrides()->set_email("gift@example.nl");
  e.mutable_contact_overrides()->set_display_name("Bob");
  const core::Profile anna = Anna();
  auto data = BuildTemplateData(e, &anna, {"nl", "Europe/Amsterdam"});
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(Render("{{customer.name}} <{{customer.email}}>", *data), "Bob <gift@example.nl>");
}

TEST(TemplateData, TheEventsPartIsSharedAndTheCustomerSitsOnTop) {
  const v1::Event e = Shipped();
  const core::Profile anna = Anna();
  const Reader reader{"nl-NL", "Europe/Amsterdam"};
  const std::string source =
      "{{customer.name}} {{customer.locale}}: {{order.order_id}} {{order.total.amount}} "
      "{{#order.items}}[{{name}} {{quantity}}]{{/order.items}} {{event.occur_time.time}}";
  auto whole = BuildTemplateData(e, &anna, reader);
  ASSERT_TRUE(whole.ok()) << whole.status();
  EventDataCache shared(e);
  const absl::StatusOr<Value>& event_data = shared.For("nl-NL", "Europe/Amsterdam");
  ASSERT_TRUE(event_data.ok()) << event_data.status();
  EXPECT_EQ(&shared.For("nl-NL", "Europe/Amsterdam"), &event_data);  // built once
  const Value customer = BuildCustomerData(e, &anna, reader);
  const Value* const stack[] = {&*event_data, &customer};
  EXPECT_EQ(Render(source, stack), Render(source, *whole));
  EXPECT_EQ(Render(source, stack),
            "Anna de Vries nl-NL: 1001 €\u00A01.234,50 [Fiets 1][Bel 1] 00:00");
  // Another customer over the same event data.
  const Value bob = BuildCustomerData(e, nullptr, {"nl-NL", "Europe/Amsterdam", "bob"});
  const Value* const for_bob[] = {&*event_data, &bob};
  EXPECT_EQ(Render("{{customer.id}} {{order.order_id}}", for_bob), "bob 1001");
}

TEST(TemplateData, ABadCurrencyIsAnError) {
  v1::Event e = Shipped();
  e.mutable_order()->mutable_total()->set_currency_code("EURO");
  auto data = BuildTemplateData(e, nullptr, {"nl", "Europe/Amsterdam"});
  EXPECT_EQ(data.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace herald::compose
