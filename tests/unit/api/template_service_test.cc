#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>

#include "tests/unit/api/service_fixture.h"

namespace herald::api {
namespace {

using ::testing::HasSubstr;

class TemplateServiceTest : public ServiceFixture {
 protected:
  static v1::Template Shipped() {
    v1::Template t;
    t.set_name("order-shipped");
    t.set_category(v1::CATEGORY_ORDER_UPDATE);
    t.add_event_types("order.shipped");
    t.set_default_locale("en");
    v1::LocalizedContent* en = t.add_contents();
    en->set_locale("en");
    en->mutable_email()->set_subject("Your order is on its way");
    en->mutable_email()->set_text_body("Hello {{customer.display_name}}");
    return t;
  }

  grpc::Status Create(const v1::Template& t, v1::Template* out = nullptr) {
    v1::CreateTemplateRequest request;
    *request.mutable_template_() = t;
    v1::CreateTemplateResponse response;
    grpc::Status status = template_stub_->CreateTemplate(Context().get(), request, &response);
    if (out != nullptr) *out = response.template_();
    return status;
  }

  grpc::Status Update(const v1::Template& t, std::vector<std::string> paths, v1::Template* out) {
    v1::UpdateTemplateRequest request;
    *request.mutable_template_() = t;
    for (auto& p : paths) request.mutable_update_mask()->add_paths(p);
    v1::UpdateTemplateResponse response;
    grpc::Status status = template_stub_->UpdateTemplate(Context().get(), request, &response);
    *out = response.template_();
    return status;
  }
};

TEST_F(TemplateServiceTest, EveryUpdateIsANewVersionAndOldVersionsStay) {
  v1::Template created;
  ASSERT_TRUE(Create(Shipped(), &created).ok());
  EXPECT_EQ(created.version(), 1);

  v1::Template patch;
  patch.set_name("order-shipped");
  patch.set_description("Sent when the warehouse hands the parcel to the carrier");
  v1::Template updated;
  ASSERT_TRUE(Update(patch, {"description"}, &updated).ok());
  EXPECT_EQ(updated.version(), 2);
  EXPECT_EQ(updated.contents_size(), 1);
  EXPECT_EQ(updated.create_time().seconds(), created.create_time().seconds());

  v1::GetTemplateRequest get;
  get.set_name("order-shipped");
  get.set_version(1);
  v1::GetTemplateResponse response;
  ASSERT_TRUE(template_stub_->GetTemplate(Context().get(), get, &response).ok());
  EXPECT_EQ(response.template_().description(), "");
  get.set_version(0);
  ASSERT_TRUE(template_stub_->GetTemplate(Context().get(), get, &response).ok());
  EXPECT_EQ(response.template_().version(), 2);
  get.set_version(9);
  grpc::Status missing = template_stub_->GetTemplate(Context().get(), get, &response);
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(missing.error_message(), HasSubstr("no version 9"));
}

TEST_F(TemplateServiceTest, ApplyingTheSameContentAgainMakesNoNewVersion) {
  ASSERT_TRUE(Create(Shipped()).ok());
  v1::Template updated;
  ASSERT_TRUE(Update(Shipped(), {"*"}, &updated).ok());
  EXPECT_EQ(updated.version(), 1);
}

TEST_F(TemplateServiceTest, InvalidTemplatesAreRejectedNamingTheField) {
  v1::Template t = Shipped();
  t.set_default_locale("nl");
  grpc::Status status = Create(t);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("template.default_locale"));

  ASSERT_TRUE(Create(Shipped()).ok());
  v1::Template patch;
  patch.set_name("order-shipped");
  v1::Template out;
  status = Update(patch, {"contents"}, &out);  // would remove every locale
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("template.contents"));
  status = Update(patch, {"version"}, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("update_mask"));
  EXPECT_EQ(Create(Shipped()).error_code(), grpc::StatusCode::ALREADY_EXISTS);
}

TEST_F(TemplateServiceTest, AMustacheSyntaxErrorIsRefusedWithItsLineAndColumn) {
  v1::Template t = Shipped();
  t.mutable_contents(0)->mutable_email()->set_text_body(
      "Hallo {{name}},\n\n{{#items}}\n- {{title}}\n");
  grpc::Status status = Create(t);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "template.contents[0].email.text_body: Mustache syntax: line 3, column 1: section "
            "\"items\" opened here is never closed (add {{/items}})");
  t = Shipped();
  t.mutable_contents(0)->mutable_sms()->set_text("Pakket {{order.order_id onderweg");
  status = Create(t);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              HasSubstr("template.contents[0].sms.text: Mustache syntax: line 1, column 8"));
}

TEST_F(TemplateServiceTest, PreviewRendersEveryChannelInTheFallbackLocale) {
  v1::Template t = Shipped();
  v1::LocalizedContent* nl = t.add_contents();
  nl->set_locale("nl");
  nl->mutable_email()->set_subject("{{customer.name}}, je pakket is onderweg");
  nl->mutable_email()->set_text_body("Beste {{customer.name}},\n{{>footer}}");
  nl->mutable_email()->set_html_body("<p>Beste {{customer.name}}</p>");
  nl->mutable_sms()->set_text("Pakket {{order.order_id}} onderweg 📦");
  ASSERT_TRUE(Create(t).ok());

  v1::PreviewTemplateRequest request;
  request.set_name("order-shipped");
  request.set_locale("nl-BE");
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  R"({"customer": {"name": "Anna & Co"}, "order": {"order_id": "1001"}})",
                  request.mutable_data())
                  .ok());
  (*request.mutable_partials())["footer"] = "-- Herald";
  v1::PreviewTemplateResponse response;
  grpc::Status status = template_stub_->PreviewTemplate(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.version(), 1);
  EXPECT_EQ(response.locale(), "nl");
  EXPECT_EQ(response.email().subject(), "Anna & Co, je pakket is onderweg");
  EXPECT_EQ(response.email().text_body(), "Beste Anna & Co,\n-- Herald");
  EXPECT_EQ(response.email().html_body(), "<p>Beste Anna &amp; Co</p>");
  EXPECT_EQ(response.sms().text(), "Pakket 1001 onderweg 📦");
  EXPECT_EQ(response.sms().encoding(), v1::SMS_ENCODING_UCS_2);
  EXPECT_EQ(response.sms().units(), 23);
  EXPECT_EQ(response.sms().segments(), 1);
  EXPECT_EQ(response.sms().max_segments(), 3);

  // An unsaved template; an SMS over its limit; a broken partial.
  v1::PreviewTemplateRequest unsaved;
  *unsaved.mutable_template_() = t;
  unsaved.mutable_template_()->set_max_sms_segments(1);
  unsaved.mutable_template_()->mutable_contents(1)->mutable_sms()->set_text(
      "{{#lines}}{{.}}{{/lines}}");
  unsaved.set_locale("nl");
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(
          R"({"lines": ["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                               "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                               "aaaaaaaaaaaaaaaaaaaaaaaa"]})",
          unsaved.mutable_data())
          .ok());
  (*unsaved.mutable_partials())["footer"] = "-- Herald";
  status = template_stub_->PreviewTemplate(Context().get(), unsaved, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "sms.text renders to 2 segments (GSM_7, 168 septets); the template allows 1");
  (*request.mutable_partials())["footer"] = "{{#x}}";
  status = template_stub_->PreviewTemplate(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("partials[\"footer\"]: Mustache syntax: line 1"));
  request.set_name("no-such-template");
  EXPECT_EQ(template_stub_->PreviewTemplate(Context().get(), request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

// An editor checks a template against a real customer and a stored event: what that
// customer would have received, in their language, zone and formats.
TEST_F(TemplateServiceTest, PreviewWithARealCustomerAndAStoredEvent) {
  v1::Template t = Shipped();
  v1::LocalizedContent* nl = t.add_contents();
  nl->set_locale("nl");
  nl->mutable_email()->set_subject("{{customer.name}}, bestelling {{order.order_id}} is onderweg");
  nl->mutable_email()->set_text_body(
      "Totaal {{order.total.amount}}, verzonden {{event.occur_time.date}} om "
      "{{event.occur_time.time}}. {{preferences_url}}");
  ASSERT_TRUE(Create(t).ok());
  v1::CreateProfileRequest anna;
  anna.mutable_profile()->set_customer_id("anna");
  anna.mutable_profile()->set_display_name("Anna de Vries");
  anna.mutable_profile()->set_email("anna@example.nl");
  anna.mutable_profile()->set_locale("nl-NL");
  anna.mutable_profile()->set_time_zone("Europe/Amsterdam");
  v1::CreateProfileResponse made;
  ASSERT_TRUE(profile_stub_->CreateProfile(Context().get(), anna, &made).ok());

  v1::PreviewTemplateRequest request;
  request.set_name("order-shipped");
  request.set_event_id("ord-7");
  v1::PreviewTemplateResponse response;
  EXPECT_EQ(template_stub_->PreviewTemplate(Context().get(), request, &response).error_code(),
            grpc::StatusCode::UNIMPLEMENTED)
      << "no sources given";

  v1::Event stored;
  stored.set_event_id("ord-7");
  stored.set_event_type("order.shipped");
  stored.set_customer_id("anna");
  stored.mutable_occur_time()->set_seconds(1772440200);  // 2026-03-02T08:30:00Z
  stored.mutable_order()->set_order_id("1007");
  stored.mutable_order()->mutable_total()->set_currency_code("EUR");
  stored.mutable_order()->mutable_total()->set_units(12);
  stored.mutable_order()->mutable_total()->set_nanos(500'000'000);
  templates_->SetPreviewSources({.profiles = store_,
                                 .event = [&](std::string_view id) -> absl::StatusOr<v1::Event> {
                                   if (id == "ord-7") return stored;
                                   return absl::NotFoundError("no such event");
                                 },
                                 .preferences_url = "https://herald.example/preferences/EXAMPLE"});

  // The event's customer, in her locale (nl-NL: the nl content) and zone.
  grpc::Status status = template_stub_->PreviewTemplate(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.locale(), "nl");
  EXPECT_EQ(response.email().subject(), "Anna de Vries, bestelling 1007 is onderweg");
  EXPECT_EQ(response.email().text_body(),
            "Totaal €\u00a012,50, verzonden maandag 2 maart 2026 om 09:30. "
            "https://herald.example/preferences/EXAMPLE");

  // The request's data goes on top; a locale asked for wins over hers.
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(R"({"customer": {"name": "Bert"}})",
                                                          request.mutable_data())
                  .ok());
  request.set_locale("en");
  status = template_stub_->PreviewTemplate(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.locale(), "en");
  EXPECT_EQ(response.email().text_body(), "Hello ");  // display_name is not a variable

  // A customer alone (no event): her profile, the event fields absent.
  v1::PreviewTemplateRequest alone;
  alone.set_name("order-shipped");
  alone.set_customer_id("anna");
  status = template_stub_->PreviewTemplate(Context().get(), alone, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.email().subject(), "Anna de Vries, bestelling  is onderweg");

  // What is not there is named.
  request.set_event_id("ord-404");
  status = template_stub_->PreviewTemplate(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "event_id: no event \"ord-404\" is stored");
  alone.set_customer_id("nobody");
  status = template_stub_->PreviewTemplate(Context().get(), alone, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "customer_id: customer \"nobody\" has no profile");
  alone.set_customer_id("bad id!");
  EXPECT_EQ(template_stub_->PreviewTemplate(Context().get(), alone, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

// What the console's editor shows as you type: a syntax error at its part, line and
// column, and the variables no event can fill, each at its place.
TEST_F(TemplateServiceTest, PreviewOfADraftPlacesErrorsAndWarnings) {
  v1::Template t = Shipped();
  v1::LocalizedContent* nl = t.add_contents();
  nl->set_locale("nl");
  nl->mutable_sms()->set_text("Pakket {{order.order_id}}\nvolg {{order.tracking_nr}}");
  v1::PreviewTemplateRequest draft;
  *draft.mutable_template_() = t;
  draft.set_locale("nl");
  v1::PreviewTemplateResponse response;
  grpc::Status status = template_stub_->PreviewTemplate(Context().get(), draft, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.sms().text(), "Pakket \nvolg ");
  EXPECT_THAT(response.warnings(),
              ::testing::Contains(::testing::StartsWith(
                  "contents[nl].sms.text line 2, column 6: {{order.tracking_nr}}")));
  EXPECT_THAT(response.warnings(),
              ::testing::Contains(::testing::StartsWith("contents[en].email.text_body line 1")));

  draft.mutable_template_()->mutable_contents(1)->mutable_sms()->set_text("Pakket\n  {{#order}}");
  status = template_stub_->PreviewTemplate(Context().get(), draft, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              HasSubstr("template.contents[1].sms.text: Mustache syntax: line 2, column 3: "));
}

TEST_F(TemplateServiceTest, ATestSendRendersMarksAndSendsToTheAddressTyped) {
  v1::SendTestMessageRequest request;
  *request.mutable_preview()->mutable_template_() = Shipped();
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(R"({"customer": {"name": "Anna"}})",
                                                          request.mutable_preview()->mutable_data())
                  .ok());
  request.set_channel(v1::CHANNEL_EMAIL);
  request.set_address(" Anna@Example.NL ");
  v1::SendTestMessageResponse response;
  grpc::Status status = template_stub_->SendTestMessage(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);

  std::vector<core::RenderedMessage> sent;
  absl::Status answer = absl::OkStatus();
  templates_->SetTestSender(
      [&](core::RenderedMessage message) -> absl::StatusOr<TestSendResult> {
        if (!answer.ok()) return answer;
        sent.push_back(std::move(message));
        return TestSendResult{.provider_message_id = "q-1", .detail = "250 2.0.0 Ok"};
      },
      nullptr);
  status = template_stub_->SendTestMessage(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.provider_message_id(), "q-1");
  EXPECT_EQ(response.detail(), "250 2.0.0 Ok");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].channel, core::Channel::kEmail);
  EXPECT_EQ(sent[0].address, "Anna@example.nl");
  EXPECT_EQ(sent[0].subject, "[TEST] Your order is on its way");
  EXPECT_EQ(sent[0].locale, "en");

  // What cannot be sent says why, and nothing goes out.
  request.set_channel(v1::CHANNEL_SMS);
  request.set_address("0612");
  status = template_stub_->SendTestMessage(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), ::testing::StartsWith("address"));
  request.set_address("+31612345678");
  status = template_stub_->SendTestMessage(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("has no SMS"));
  request.set_channel(v1::CHANNEL_EMAIL);
  request.set_address("anna@example.nl");
  request.mutable_preview()->mutable_template_()->mutable_contents(0)->mutable_email()->set_subject(
      "{{#x}}");
  status = template_stub_->SendTestMessage(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("Mustache syntax"));
  EXPECT_EQ(sent.size(), 1u);

  request.mutable_preview()->mutable_template_()->mutable_contents(0)->mutable_email()->set_subject(
      "Hi");
  answer = absl::UnavailableError("the test was not taken (RETRYABLE): 421 try later");
  status = template_stub_->SendTestMessage(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(), HasSubstr("421 try later"));
}

TEST_F(TemplateServiceTest, AnOlderVersionCanBeActivatedAndANewOneIsActiveAgain) {
  v1::Template created;
  ASSERT_TRUE(Create(Shipped(), &created).ok());
  EXPECT_EQ(created.active_version(), 1);
  v1::Template patch;
  patch.set_name("order-shipped");
  patch.set_description("v2");
  v1::Template v2;
  ASSERT_TRUE(Update(patch, {"description"}, &v2).ok());
  EXPECT_EQ(v2.version(), 2);
  EXPECT_EQ(v2.active_version(), 2);

  v1::ActivateTemplateRequest activate;
  activate.set_name("order-shipped");
  activate.set_version(1);
  v1::ActivateTemplateResponse activated;
  ASSERT_TRUE(template_stub_->ActivateTemplate(Context().get(), activate, &activated).ok());
  EXPECT_EQ(activated.template_().version(), 1);
  EXPECT_EQ(activated.template_().active_version(), 1);
  // The latest is still 2, and says that 1 is in use; preview renders the active one.
  v1::GetTemplateRequest get;
  get.set_name("order-shipped");
  v1::GetTemplateResponse latest;
  ASSERT_TRUE(template_stub_->GetTemplate(Context().get(), get, &latest).ok());
  EXPECT_EQ(latest.template_().version(), 2);
  EXPECT_EQ(latest.template_().active_version(), 1);
  v1::PreviewTemplateRequest preview;
  preview.set_name("order-shipped");
  v1::PreviewTemplateResponse rendered;
  ASSERT_TRUE(template_stub_->PreviewTemplate(Context().get(), preview, &rendered).ok());
  EXPECT_EQ(rendered.version(), 1);

  activate.set_version(7);
  grpc::Status missing = template_stub_->ActivateTemplate(Context().get(), activate, &activated);
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(missing.error_message(), HasSubstr("has no version 7"));
  activate.set_version(0);
  EXPECT_EQ(template_stub_->ActivateTemplate(Context().get(), activate, &activated).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  // A new version is active again.
  patch.set_description("v3");
  v1::Template v3;
  ASSERT_TRUE(Update(patch, {"description"}, &v3).ok());
  EXPECT_EQ(v3.active_version(), 3);
}

TEST_F(TemplateServiceTest, VariablesNothingCanSupplyAreWarnedAbout) {
  v1::Template t = Shipped();
  t.mutable_contents(0)->mutable_email()->set_text_body(
      "Hello {{customer.name}},\n{{order.tracking_nr}} {{order.total.amount}}\n"
      "{{#order.items}}{{name}} x{{quantity}} {{unit_price.amount}} {{colour}}{{/order.items}}\n"
      "{{attributes.anything}} {{#order.delay_reason}}{{.}}{{/order.delay_reason}}"
      "{{^order.carrier}}{{order.carrier}}{{/order.carrier}} {{costumer.email}} {{>footer}}");
  v1::CreateTemplateRequest request;
  *request.mutable_template_() = t;
  v1::CreateTemplateResponse response;
  grpc::Status status = template_stub_->CreateTemplate(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(
      response.warnings(),
      ::testing::ElementsAre(
          "contents[en].email.text_body line 2, column 1: {{order.tracking_nr}}: no event or "
          "profile field supplies it (did you mean order.tracking_url?)",
          "contents[en].email.text_body line 3, column 62: {{colour}}: no event or profile field "
          "supplies it",
          "contents[en].email.text_body line 4, column 130: {{costumer.email}}: no event or "
          "profile field supplies it (did you mean customer?)",
          "contents[en].email.text_body line 4, column 149: {{> footer}}: there is no snippet "
          "\"footer\"; messages using it fail until one is created"));
}

TEST_F(TemplateServiceTest, SnippetsAreSharedPartialsEveryTemplateUses) {
  std::vector<std::string> warnings;  // of the last put
  auto put = [&](const std::string& name, const std::string& text, bool update) {
    v1::Snippet s;
    s.set_name(name);
    s.set_text(text);
    grpc::Status status;
    if (update) {
      v1::UpdateSnippetRequest request;
      *request.mutable_snippet() = s;
      v1::UpdateSnippetResponse response;
      status = template_stub_->UpdateSnippet(Context().get(), request, &response);
      warnings.assign(response.warnings().begin(), response.warnings().end());
    } else {
      v1::CreateSnippetRequest request;
      *request.mutable_snippet() = s;
      v1::CreateSnippetResponse response;
      status = template_stub_->CreateSnippet(Context().get(), request, &response);
      warnings.assign(response.warnings().begin(), response.warnings().end());
    }
    return status;
  };
  ASSERT_TRUE(put("signature", "{{> legal}}", false).ok());  // may come before what it includes
  ASSERT_TRUE(put("legal", "Herald Bank N.V., Amsterdam", false).ok());
  EXPECT_EQ(put("legal", "again", false).error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(put("nope", "x", true).error_code(), grpc::StatusCode::NOT_FOUND);
  grpc::Status status = put("broken", "Hi {{#x}}", false);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("snippet.text: Mustache syntax: line 1, column"));
  EXPECT_EQ(put("Bad Name", "x", false).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  // A template that includes a stored snippet has no warning about it.
  v1::Template t = Shipped();
  t.mutable_contents(0)->mutable_email()->set_text_body("Hello {{customer.name}}\n{{> signature}}");
  v1::CreateTemplateRequest create;
  *create.mutable_template_() = t;
  v1::CreateTemplateResponse created;
  ASSERT_TRUE(template_stub_->CreateTemplate(Context().get(), create, &created).ok());
  EXPECT_THAT(created.warnings(), ::testing::IsEmpty());

  v1::PreviewTemplateRequest preview;
  preview.set_name("order-shipped");
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(R"({"customer": {"name": "Anna"}})",
                                                          preview.mutable_data())
                  .ok());
  v1::PreviewTemplateResponse rendered;
  status = template_stub_->PreviewTemplate(Context().get(), preview, &rendered);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(rendered.email().text_body(), "Hello Anna\nHerald Bank N.V., Amsterdam");
  // One change, every template from the next message on; a request's partial wins.
  ASSERT_TRUE(put("legal", "Herald Bank N.V., Utrecht", true).ok());
  ASSERT_TRUE(template_stub_->PreviewTemplate(Context().get(), preview, &rendered).ok());
  EXPECT_EQ(rendered.email().text_body(), "Hello Anna\nHerald Bank N.V., Utrecht");
  (*preview.mutable_partials())["legal"] = "draft";
  ASSERT_TRUE(template_stub_->PreviewTemplate(Context().get(), preview, &rendered).ok());
  EXPECT_EQ(rendered.email().text_body(), "Hello Anna\ndraft");

  // Snippets that include each other are recursion, which Mustache allows (a snippet
  // walking a tree includes itself): stored, with a warning; a message whose data
  // never ends the recursion fails.
  ASSERT_TRUE(put("legal", "{{> signature}}", true).ok());
  EXPECT_THAT(warnings, ::testing::ElementsAre(
                            "snippet.text: partials include each other in a circle: legal -> "
                            "signature -> legal; a message renders only while its data ends "
                            "the recursion"));
  preview.mutable_partials()->clear();
  status = template_stub_->PreviewTemplate(Context().get(), preview, &rendered);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "email.text_body: partial \"signature\" nested more than 64 deep (signature -> "
            "legal -> signature -> ...)");
  ASSERT_TRUE(put("legal", "Herald Bank N.V., Utrecht", true).ok());
  EXPECT_THAT(warnings, ::testing::IsEmpty());

  v1::ListSnippetsResponse list;
  ASSERT_TRUE(template_stub_->ListSnippets(Context().get(), v1::ListSnippetsRequest(), &list).ok());
  ASSERT_EQ(list.snippets_size(), 2);
  EXPECT_EQ(list.snippets(0).name(), "legal");
  EXPECT_EQ(list.snippets(1).name(), "signature");

  // Deleting what an active template includes, even through another snippet, is
  // refused, naming the template.
  v1::DeleteSnippetRequest del;
  v1::DeleteSnippetResponse deleted;
  del.set_name("legal");
  status = template_stub_->DeleteSnippet(Context().get(), del, &deleted);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(),
            "snippet \"legal\" is included by the active version of order-shipped (through "
            "snippet signature); change those templates first");
  del.set_name("signature");
  status = template_stub_->DeleteSnippet(Context().get(), del, &deleted);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(),
            "snippet \"signature\" is included by the active version of order-shipped; change "
            "those templates first");

  // Version 2 stops including it, so it can go; rolling back to version 1 then would
  // fail every message, and is refused.
  v1::Template without = t;
  without.mutable_contents(0)->mutable_email()->set_text_body("Hello {{customer.name}}");
  v1::UpdateTemplateRequest update;
  *update.mutable_template_() = without;
  update.mutable_update_mask()->add_paths("contents");
  v1::UpdateTemplateResponse updated;
  ASSERT_TRUE(template_stub_->UpdateTemplate(Context().get(), update, &updated).ok());
  ASSERT_TRUE(template_stub_->DeleteSnippet(Context().get(), del, &deleted).ok());
  v1::ActivateTemplateRequest rollback;
  rollback.set_name("order-shipped");
  rollback.set_version(1);
  v1::ActivateTemplateResponse activated;
  status = template_stub_->ActivateTemplate(Context().get(), rollback, &activated);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(),
              HasSubstr("version 1 of template \"order-shipped\" includes snippets that no "
                        "longer exist: contents[en].email.text_body line 2, column 1: {{> "
                        "signature}}"));
  // Without the snippet a preview fails as sending would, rather than dropping it.
  preview.set_name("");
  *preview.mutable_template_() = t;
  status = template_stub_->PreviewTemplate(Context().get(), preview, &rendered);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(),
            "partial \"signature\" (line 2, column 1) is not a stored snippet and is not in the "
            "request's partials");
}

TEST_F(TemplateServiceTest, ListAndDelete) {
  for (const char* name : {"b-template", "a-template", "c-template"}) {
    v1::Template t = Shipped();
    t.set_name(name);
    ASSERT_TRUE(Create(t).ok());
  }
  v1::ListTemplatesRequest list;
  list.set_page_size(2);
  v1::ListTemplatesResponse page;
  ASSERT_TRUE(template_stub_->ListTemplates(Context().get(), list, &page).ok());
  ASSERT_EQ(page.templates_size(), 2);
  EXPECT_EQ(page.templates(0).name(), "a-template");
  ASSERT_FALSE(page.next_page_token().empty());
  list.set_page_token(page.next_page_token());
  ASSERT_TRUE(template_stub_->ListTemplates(Context().get(), list, &page).ok());
  ASSERT_EQ(page.templates_size(), 1);
  EXPECT_EQ(page.templates(0).name(), "c-template");
  EXPECT_TRUE(page.next_page_token().empty());

  v1::DeleteTemplateRequest del;
  del.set_name("b-template");
  v1::DeleteTemplateResponse deleted;
  ASSERT_TRUE(template_stub_->DeleteTemplate(Context().get(), del, &deleted).ok());
  v1::GetTemplateRequest get;
  get.set_name("b-template");
  v1::GetTemplateResponse response;
  EXPECT_EQ(template_stub_->GetTemplate(Context().get(), get, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace herald::api
