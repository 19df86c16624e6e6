// The preference centre on heraldd's public listener: the link a customer finds in
// their email, their page in their language with their current choices, a change
// recorded as consent with its proof and honoured by the next decision, SECURITY that
// cannot be switched off, unsubscribe links landing on the page, and links that are
// expired, changed or forged.
#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <stdlib.h>

#include <regex>

#include "herald/v1/event_service.grpc.pb.h"
#include "herald/v1/notification_service.grpc.pb.h"
#include "herald/v1/profile_service.grpc.pb.h"
#include "herald/v1/template_service.grpc.pb.h"
#include "services/core/preference_token.h"
#include "services/core/unsubscribe_token.h"
#include "tests/integration/heraldd_process.h"
#include "tests/integration/smtp_sink.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace herald::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSecret[] = "preference-key-for-this-test";

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return context;
}

// The checkbox of a choice on the page, e.g. `name="SURVEY.EMAIL" id="SURVEY.EMAIL" checked`.
std::string Box(const std::string& choice, const std::string& state) {
  return "name=\"" + choice + "\" id=\"" + choice + "\"" + state + ">";
}

constexpr char kSwitchable[] =
    "ORDER_UPDATE.EMAIL,ORDER_UPDATE.SMS,SERVICE_UPDATE.EMAIL,SERVICE_UPDATE.SMS,"
    "REMINDER.EMAIL,REMINDER.SMS,INFORMATIONAL.EMAIL,INFORMATIONAL.SMS,SURVEY.EMAIL,"
    "SURVEY.SMS";

class PreferenceCentreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("HERALD_TEST_LINK_SECRET", kSecret, 1);
    smtp_ = std::make_unique<SmtpSink>(dir_.File("mail"));
    ASSERT_TRUE(smtp_->ready()) << smtp_->Stderr();
    heraldd_ = std::make_unique<HeralddProcess>(
        dir_.path().string(), dir_.File("herald.db"),
        "policy:\n  quiet_hours: \"off\"\n"
        "email:\n  url: " +
            smtp_->url() +
            "\n  from_address: noreply@herald.example\n"
            "dispatch:\n  unsubscribe_base_url: https://herald.example/unsubscribe\n"
            "  preferences_base_url: https://herald.example/preferences\n"
            "  preferences_link_valid_for: 30d\n"
            "  unsubscribe_secret: {env: HERALD_TEST_LINK_SECRET}\n");
    ASSERT_TRUE(heraldd_->ready()) << heraldd_->process().Stderr();
    http_ = std::make_unique<httplib::Client>("127.0.0.1", heraldd_->public_port());

    auto templates = v1::TemplateService::NewStub(heraldd_->Channel());
    v1::CreateTemplateRequest request;
    v1::Template* t = request.mutable_template_();
    t->set_name("order-shipped");
    t->set_category(v1::CATEGORY_ORDER_UPDATE);
    t->add_event_types("order.shipped");
    t->set_default_locale("nl");
    v1::LocalizedContent* nl = t->add_contents();
    nl->set_locale("nl");
    nl->mutable_email()->set_subject("Bestelling {{order.order_id}} is onderweg");
    nl->mutable_email()->set_text_body(
        "Je pakket is onderweg.\n\nJe voorkeuren: {{preferences_url}}\n");
    v1::CreateTemplateResponse created;
    grpc::Status status = templates->CreateTemplate(Context().get(), request, &created);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(created.warnings_size(), 0) << "preferences_url is a known variable";

    auto profiles = v1::ProfileService::NewStub(heraldd_->Channel());
    v1::CreateProfileRequest anna;
    anna.mutable_profile()->set_customer_id("anna");
    anna.mutable_profile()->set_display_name("Anna de Vries");
    anna.mutable_profile()->set_email("anna@example.nl");
    anna.mutable_profile()->set_locale("nl-NL");
    anna.mutable_profile()->add_preferred_channels(v1::CHANNEL_EMAIL);
    v1::CreateProfileResponse made;
    status = profiles->CreateProfile(Context().get(), anna, &made);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  void TearDown() override {
    if (heraldd_ != nullptr) EXPECT_EQ(heraldd_->Stop(), 0);
  }

  void Ship(const std::string& event_id) {
    auto stub = v1::EventService::NewStub(heraldd_->Channel());
    v1::PublishEventRequest request;
    v1::Event* e = request.mutable_event();
    e->set_event_id(event_id);
    e->set_event_type("order.shipped");
    *e->mutable_occur_time() = google::protobuf::util::TimeUtil::GetCurrentTime();
    e->set_customer_id("anna");
    e->mutable_order()->set_order_id(event_id);
    v1::PublishEventResponse response;
    grpc::Status status = stub->PublishEvent(Context().get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  v1::NotificationState StateOf(const std::string& event_id) {
    auto stub = v1::NotificationService::NewStub(heraldd_->Channel());
    v1::ListNotificationsRequest list;
    list.mutable_filter()->set_event_id(event_id);
    v1::ListNotificationsResponse found;
    if (!stub->ListNotifications(Context().get(), list, &found).ok() ||
        found.notifications_size() == 0) {
      return v1::NOTIFICATION_STATE_UNSPECIFIED;
    }
    return found.notifications(0).state();
  }

  v1::CustomerProfile Profile() {
    auto stub = v1::ProfileService::NewStub(heraldd_->Channel());
    v1::GetProfileRequest get;
    get.set_customer_id("anna");
    v1::GetProfileResponse got;
    grpc::Status status = stub->GetProfile(Context().get(), get, &got);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return got.profile();
  }

  // The token of the preferences link in the first email.
  std::string TokenFromEmail() {
    std::vector<google::protobuf::Struct> mail = smtp_->WaitForMessages(1);
    if (mail.empty()) return "";
    std::string json;
    (void)google::protobuf::util::MessageToJsonString(mail[0], &json);
    std::smatch match;
    if (!std::regex_search(json, match,
                           std::regex("https://herald\\.example/preferences/([A-Za-z0-9_.-]+)"))) {
      ADD_FAILURE() << "no preferences link in " << json;
      return "";
    }
    return match[1];
  }

  TempDir dir_;
  std::unique_ptr<SmtpSink> smtp_;
  std::unique_ptr<HeralddProcess> heraldd_;
  std::unique_ptr<httplib::Client> http_;
};

TEST_F(PreferenceCentreTest, TheLinkInAnEmailOpensThePageAndAChangeIsHonouredNextTime) {
  Ship("ord-1");
  const std::string token = TokenFromEmail();
  ASSERT_FALSE(token.empty());

  auto page = http_->Get("/preferences/" + token);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->status, 200) << page->body;
  // In Anna's language, with her current choices: order updates are opt-out (on), surveys
  // and news opt-in (off until she says so), SECURITY on and not switchable.
  EXPECT_THAT(page->body, HasSubstr("<html lang=\"nl\""));
  EXPECT_THAT(page->body, HasSubstr("Jouw berichtvoorkeuren"));
  EXPECT_THAT(page->body, HasSubstr("Anna de Vries"));
  EXPECT_THAT(page->body, HasSubstr("a***@example.nl")) << "masked, in case it is forwarded";
  EXPECT_THAT(page->body, Not(HasSubstr("anna@example.nl")));
  EXPECT_THAT(page->body, HasSubstr(Box("ORDER_UPDATE.EMAIL", " checked")));
  EXPECT_THAT(page->body, HasSubstr(Box("SURVEY.EMAIL", "")));
  EXPECT_THAT(page->body, HasSubstr(Box("INFORMATIONAL.SMS", "")));
  EXPECT_THAT(page->body, HasSubstr(Box("SECURITY.EMAIL", " checked disabled")));
  EXPECT_THAT(page->body, HasSubstr("Deze berichten kun je niet uitzetten"));
  EXPECT_THAT(page->body, HasSubstr("value=\"" + std::string(kSwitchable) + "\""));
  EXPECT_EQ(page->get_header_value("Cache-Control"), "no-store");
  EXPECT_EQ(page->get_header_value("Referrer-Policy"), "no-referrer");
  EXPECT_THAT(page->get_header_value("Content-Security-Policy"), HasSubstr("default-src 'none'"));
  auto english = http_->Get("/preferences/" + token + "?lang=en");
  ASSERT_TRUE(english);
  EXPECT_THAT(english->body, HasSubstr("Your message preferences"));
  EXPECT_THAT(english->body, HasSubstr("You cannot switch these off"));

  // She switches surveys by email on and order updates by email off.
  const std::string form = std::string("lang=nl&shown=") + kSwitchable +
                           "&SERVICE_UPDATE.EMAIL=on&SERVICE_UPDATE.SMS=on&REMINDER.EMAIL=on"
                           "&REMINDER.SMS=on&ORDER_UPDATE.SMS=on&SURVEY.EMAIL=on";
  auto saved = http_->Post("/preferences/" + token, form, "application/x-www-form-urlencoded");
  ASSERT_TRUE(saved);
  EXPECT_EQ(saved->status, 303) << saved->body;
  EXPECT_EQ(saved->get_header_value("Location"), token + "?saved=1&lang=nl");

  // Only what changed is recorded, each with its source and time.
  const v1::CustomerProfile profile = Profile();
  ASSERT_EQ(profile.consents_size(), 2) << profile.DebugString();
  std::map<std::pair<int, int>, v1::Consent> consents;
  for (const v1::Consent& c : profile.consents()) consents[{c.category(), c.channel()}] = c;
  const v1::Consent& order = consents[{v1::CATEGORY_ORDER_UPDATE, v1::CHANNEL_EMAIL}];
  EXPECT_EQ(order.state(), v1::CONSENT_STATE_DENIED);
  EXPECT_EQ(order.source(), "preference-centre");
  EXPECT_TRUE(order.has_update_time());
  const v1::Consent& survey = consents[{v1::CATEGORY_SURVEY, v1::CHANNEL_EMAIL}];
  EXPECT_EQ(survey.state(), v1::CONSENT_STATE_GRANTED);
  EXPECT_EQ(survey.source(), "preference-centre");

  auto after = http_->Get("/preferences/" + token + "?saved=1&lang=nl");
  ASSERT_TRUE(after);
  EXPECT_THAT(after->body, HasSubstr("Je keuzes zijn opgeslagen."));
  EXPECT_THAT(after->body, HasSubstr(Box("SURVEY.EMAIL", " checked")));
  EXPECT_THAT(after->body, HasSubstr(Box("ORDER_UPDATE.EMAIL", "")));
  EXPECT_THAT(after->body, HasSubstr("Jouw keuze van "));

  // Saving the same page again changes nothing.
  auto again = http_->Post("/preferences/" + token, form, "application/x-www-form-urlencoded");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 303);
  EXPECT_EQ(Profile().consents_size(), 2);
  EXPECT_EQ(heraldd_->Metric("herald_preference_changes_total"), 2);
  EXPECT_EQ(heraldd_->Metric("herald_preference_centre_requests_total", "result=\"unchanged\""), 1);

  // The next order update: Anna can only be reached by email, which she switched off.
  Ship("ord-2");
  ASSERT_TRUE(WaitFor([&] { return StateOf("ord-2") == v1::NOTIFICATION_STATE_SUPPRESSED; },
                      std::chrono::seconds(30), std::chrono::milliseconds(50)))
      << heraldd_->process().Stderr();
}

TEST_F(PreferenceCentreTest, SecurityCannotBeSwitchedOffAndBadFormsAreRefusedByName) {
  const std::string token = core::PreferenceTokens(kSecret).Issue(
      {.customer_id = "anna", .expire_time = core::SystemClock().Now() + std::chrono::hours(1)});
  const std::pair<std::string, std::string> refused[] = {
      {"shown=SECURITY.EMAIL", "not saved: shown: SECURITY cannot be switched off"},
      {"shown=SURVEY.FAX", "not saved: shown: \"SURVEY.FAX\" is not CATEGORY.CHANNEL"},
      {"SURVEY.EMAIL=on", "not saved: the form names no choices (shown)"},
  };
  for (const auto& [form, message] : refused) {
    auto reply = http_->Post("/preferences/" + token, form, "application/x-www-form-urlencoded");
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, 400) << form;
    EXPECT_THAT(reply->body, HasSubstr(message)) << form;
  }
  EXPECT_EQ(Profile().consents_size(), 0) << "nothing was saved";
}

TEST_F(PreferenceCentreTest, ExpiredChangedAndForeignLinksOpenNothing) {
  const core::Time now = core::SystemClock().Now();
  const std::string expired = core::PreferenceTokens(kSecret).Issue(
      {.customer_id = "anna", .expire_time = now - std::chrono::hours(1)});
  auto gone = http_->Get("/preferences/" + expired, {{"Accept-Language", "nl-NL,nl;q=0.9"}});
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->status, 410);
  EXPECT_THAT(gone->body, HasSubstr("Deze link is verlopen."));
  EXPECT_THAT(gone->body, HasSubstr("Gebruik de link uit je laatste bericht"));

  const std::string other =
      core::PreferenceTokens("another-key-entirely")
          .Issue({.customer_id = "anna", .expire_time = now + std::chrono::hours(1)});
  auto forged = http_->Post("/preferences/" + other, "shown=SURVEY.EMAIL&SURVEY.EMAIL=on",
                            "application/x-www-form-urlencoded");
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 403);
  EXPECT_THAT(forged->body, HasSubstr("This link is not valid"));
  // An unsubscribe token is not a preferences token, though signed with the same key.
  const std::string unsubscribe =
      core::UnsubscribeTokens(kSecret).Issue({.customer_id = "anna",
                                              .category = core::Category::kSurvey,
                                              .channel = core::Channel::kEmail});
  auto wrong = http_->Get("/preferences/" + unsubscribe);
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 400);
  EXPECT_EQ(Profile().consents_size(), 0);
}

TEST_F(PreferenceCentreTest, AnUnsubscribeLinkOpenedInABrowserLandsOnThePage) {
  const std::string unsubscribe =
      core::UnsubscribeTokens(kSecret).Issue({.customer_id = "anna",
                                              .category = core::Category::kInformational,
                                              .channel = core::Channel::kEmail});
  auto landing = http_->Get("/unsubscribe/" + unsubscribe);
  ASSERT_TRUE(landing);
  EXPECT_EQ(landing->status, 303);
  const std::string location = landing->get_header_value("Location");
  const std::string prefix = "../preferences/";
  ASSERT_EQ(location.rfind(prefix, 0), 0u) << location;
  const size_t query = location.find('?');
  EXPECT_EQ(location.substr(query), "?unsubscribe=INFORMATIONAL.EMAIL");
  const std::string token = location.substr(prefix.size(), query - prefix.size());
  // A fresh link, valid for an hour.
  absl::StatusOr<core::PreferenceClaim> claim =
      core::PreferenceTokens(kSecret).Read(token, core::SystemClock().Now());
  ASSERT_TRUE(claim.ok()) << claim.status();
  EXPECT_EQ(claim->customer_id, "anna");
  EXPECT_LE(claim->expire_time, core::SystemClock().Now() + std::chrono::hours(1));
  EXPECT_EQ(Profile().consents_size(), 0) << "opening the link changes nothing";

  auto page = http_->Get("/preferences/" + token + "?unsubscribe=INFORMATIONAL.EMAIL");
  ASSERT_TRUE(page);
  EXPECT_THAT(page->body,
              HasSubstr("Wil je geen berichten meer over <strong>Nieuws en tips</strong> per "
                        "E-mail?"));
  // Its button posts only that choice, switched off.
  auto done = http_->Post("/preferences/" + token, "lang=nl&shown=INFORMATIONAL.EMAIL",
                          "application/x-www-form-urlencoded");
  ASSERT_TRUE(done);
  EXPECT_EQ(done->status, 303);
  // INFORMATIONAL is opt-in and Anna never said yes: already off, nothing to record.
  EXPECT_EQ(Profile().consents_size(), 0);
  // The one-click POST (RFC 8058) still unsubscribes without a page.
  auto clicked = http_->Post("/unsubscribe/" + unsubscribe, "List-Unsubscribe=One-Click",
                             "application/x-www-form-urlencoded");
  ASSERT_TRUE(clicked);
  EXPECT_EQ(clicked->status, 200);
  ASSERT_EQ(Profile().consents_size(), 1);
  EXPECT_EQ(Profile().consents(0).source(), "list-unsubscribe");
}

}  // namespace
}  // namespace herald::testing
