#include "services/policy/contact_policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/core/erasure.h"
#include "tests/support/fake_clock.h"

namespace herald::policy {
namespace {

using core::Category;
using core::Channel;
using core::DecisionOutcome;
using core::DecisionReason;
using std::chrono::hours;
using std::chrono::minutes;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::TestEpoch;  // 2026-03-01T12:00:00Z, a Sunday

constexpr auto kDay = hours(24);

using testing::Utc;

core::Template MakeTemplate(Category category, core::Priority priority = core::Priority::kNormal) {
  core::Template t;
  t.name = "t-" + std::string(core::Name(category));
  t.category = category;
  t.priority = priority;
  t.version = 3;
  core::LocalizedContent en;
  en.locale = "en";
  en.email = core::EmailContent{"Subject", "Body", ""};
  en.sms = core::SmsContent{"Text"};
  t.contents.push_back(en);
  return t;
}

// A customer in Amsterdam who can be reached by email and SMS, preferring SMS.
core::Profile Customer() {
  core::Profile p;
  p.customer_id = "c-1";
  p.email = "c1@example.nl";
  p.phone = "+31612345678";
  p.locale = "nl-NL";
  p.time_zone = "Europe/Amsterdam";
  p.preferred_channels = {Channel::kSms, Channel::kEmail};
  p.quiet_hours = core::QuietHours{22 * 60, 7 * 60};
  return p;
}

core::Consent Consent(Category category, Channel channel, core::ConsentState state) {
  return {category, channel, state, "crm", TestEpoch() - kDay * 100};
}

class ContactPolicyTest : public ::testing::Test {
 protected:
  ContactPolicyTest() {
    notification_.notification_id = "n-new";
    notification_.event_id = "e-new";
    notification_.customer_id = "c-1";
    notification_.event_type = "order.shipped";
    event_.event_id = "e-new";
    event_.event_type = "order.shipped";
    event_.subject = "order 1234";
  }

  PolicyResult Run(const core::Template* tmpl, core::Time now) {
    notification_.template_name = tmpl != nullptr ? tmpl->name : "";
    PolicyInput in;
    in.notification = &notification_;
    in.event = &event_;
    in.tmpl = tmpl;
    in.profile = has_profile_ ? &profile_ : nullptr;
    in.history = &history_;
    in.complaints = complaints_;
    in.pauses = &pauses_;
    in.now = now;
    return Decide(config_, in);
  }

  // A notification already let through at `at`.
  void Sent(Category category, core::Time at, const std::string& id,
            const std::string& template_name = "other", const std::string& subject = "") {
    core::Notification n;
    n.notification_id = id;
    n.template_name = template_name;
    n.event_type = "order.shipped";
    n.subject = subject;
    n.category = category;
    n.state = core::NotificationState::kSent;
    n.send_time = at;
    n.update_time = at;
    history_.push_back(n);
  }

  static const core::RuleEvaluation* Find(const core::Decision& d, std::string_view rule) {
    for (const auto& e : d.evaluations) {
      if (e.rule == rule) return &e;
    }
    return nullptr;
  }

  PolicyConfig config_ = PolicyConfig::Defaults();
  core::Notification notification_;
  core::Event event_;
  core::Profile profile_ = Customer();
  bool has_profile_ = true;
  std::vector<core::Notification> history_;
  std::vector<Complaint> complaints_;
  std::vector<core::Pause> pauses_;
};

TEST_F(ContactPolicyTest, AnOrderUpdateIsSentOnThePreferredChannelWithTheRestAsFallback) {
  const core::Template t = MakeTemplate(Category::kOrderUpdate);
  PolicyResult r = Run(&t, TestEpoch());  // 13:00 in Amsterdam
  EXPECT_EQ(r.decision.outcome, DecisionOutcome::kSend);
  EXPECT_EQ(r.decision.reason, DecisionReason::kAllowed);
  EXPECT_THAT(r.channels, ElementsAre(Channel::kSms, Channel::kEmail));
  EXPECT_EQ(r.decision.detail, "send on SMS, then EMAIL");
  EXPECT_EQ(r.decision.decide_time, TestEpoch());
  ASSERT_NE(Find(r.decision, "template"), nullptr);
  EXPECT_EQ(Find(r.decision, "template")->detail,
            "t-ORDER_UPDATE v3: ORDER_UPDATE, priority NORMAL");
  EXPECT_THAT(Find(r.decision, "channel")->detail,
              HasSubstr("SMS: no ORDER_UPDATE consent recorded; ORDER_UPDATE is opt-out"));
}

TEST_F(ContactPolicyTest, NoTemplateIsSuppressedSayingSo) {
  notification_.create_time = TestEpoch();
  PolicyResult r = Run(nullptr, TestEpoch());
  EXPECT_EQ(r.decision.outcome, DecisionOutcome::kSuppress);
  EXPECT_EQ(r.decision.reason, DecisionReason::kNoTemplate);
  EXPECT_EQ(r.decision.detail,
            "no template was triggered by event type order.shipped when the event was recorded "
            "at 2026-03-01T12:00:00Z");
}

TEST_F(ContactPolicyTest, AnErasedCustomerIsNotContactedWhateverTheEventCarries) {
  const core::Template alert = MakeTemplate(Category::kSecurity);
  profile_ = core::ErasedProfile(profile_.customer_id, &profile_, TestEpoch() - kDay);
  event_.overrides.phone = "+31612345678";
  PolicyResult r = Run(&alert, TestEpoch());
  EXPECT_EQ(r.decision.outcome, DecisionOutcome::kSuppress);
  EXPECT_EQ(r.decision.reason, DecisionReason::kErased);
  EXPECT_EQ(r.decision.rule, "erasure");
  EXPECT_THAT(r.decision.detail,
              HasSubstr("erased on request at 2026-02-28T12:00:00Z; contact needs new contact "
                        "data and consent from the profiles topic"));
  EXPECT_TRUE(r.channels.empty());
  // Nothing else was weighed: no rule but the erasure says anything about the customer.
  ASSERT_EQ(r.decision.evaluations.size(), 1u);
  EXPECT_EQ(r.decision.evaluations[0].rule, "erasure");
}

TEST_F(ContactPolicyTest, OptInCategoriesNeedAGrantAndARefusalIsHonouredPerChannel) {
  const core::Template survey = MakeTemplate(Category::kSurvey);
  PolicyResult none = Run(&survey, TestEpoch());
  EXPECT_EQ(none.decision.reason, DecisionReason::kNoConsent);
  EXPECT_EQ(none.decision.rule, "consent");
  EXPECT_THAT(none.decision.detail, HasSubstr("SMS: no SURVEY consent recorded; SURVEY is opt-in"));

  profile_.consents = {Consent(Category::kSurvey, Channel::kEmail, core::ConsentState::kGranted)};
  PolicyResult email_only = Run(&survey, TestEpoch());
  EXPECT_EQ(email_only.decision.outcome, DecisionOutcome::kSend);
  EXPECT_THAT(email_only.channels, ElementsAre(Channel::kEmail));

  // An opt-out category refused on SMS goes by email only.
  const core::Template order = MakeTemplate(Category::kOrderUpdate);
  profile_.consents = {Consent(Category::kOrderUpdate, Channel::kSms, core::ConsentState::kDenied)};
  PolicyResult refused_sms = Run(&order, TestEpoch());
  EXPECT_THAT(refused_sms.channels, ElementsAre(Channel::kEmail));
  profile_.consents.push_back(
      Consent(Category::kOrderUpdate, Channel::kEmail, core::ConsentState::kDenied));
  PolicyResult refused = Run(&order, TestEpoch());
  EXPECT_EQ(refused.decision.reason, DecisionReason::kNoConsent);
  EXPECT_THAT(refused.decision.detail,
              HasSubstr("EMAIL: ORDER_UPDATE consent DENIED by crm at 2025-11-21T12:00:00Z"));
}

TEST_F(ContactPolicyTest, SecurityCannotBeRefusedAsAWholeButTheChannelChoiceIsHonoured) {
  const core::Template alert = MakeTemplate(Category::kSecurity);
  profile_.consents = {Consent(Category::kSecurity, Channel::kSms, core::ConsentState::kDenied)};
  PolicyResult one = Run(&alert, TestEpoch());
  EXPECT_THAT(one.channels, ElementsAre(Channel::kEmail));  // SMS refused: honoured

  profile_.consents.push_back(
      Consent(Category::kSecurity, Channel::kEmail, core::ConsentState::kDenied));
  PolicyResult both = Run(&alert, TestEpoch());
  EXPECT_EQ(both.decision.outcome, DecisionOutcome::kSend);
  EXPECT_THAT(both.channels, ElementsAre(Channel::kSms));  // the first reachable preferred one
  ASSERT_NE(Find(both.decision, "consent"), nullptr);
  EXPECT_THAT(Find(both.decision, "consent")->detail,
              HasSubstr("SECURITY cannot be refused as a whole"));

  // An unsubscribe from everything does not stop a security alert; an operator's block does.
  profile_.suppressions = {{std::nullopt, std::nullopt, core::SuppressionReason::kUnsubscribe, "",
                            TestEpoch() - kDay, std::nullopt}};
  EXPECT_EQ(Run(&alert, TestEpoch()).decision.outcome, DecisionOutcome::kSend);
  profile_.suppressions[0].reason = core::SuppressionReason::kOperator;
  EXPECT_EQ(Run(&alert, TestEpoch()).decision.reason, DecisionReason::kCategorySuppressed);
}

TEST_F(ContactPolicyTest, SuppressionsStopAChannelOrACategoryUntilTheyExpire) {
  const core::Template order = MakeTemplate(Category::kOrderUpdate);
  profile_.suppressions = {{Channel::kSms, std::nullopt, core::SuppressionReason::kHardBounce,
                            "550 unknown number", TestEpoch() - kDay, std::nullopt}};
  PolicyResult bounced = Run(&order, TestEpoch());
  EXPECT_THAT(bounced.channels, ElementsAre(Channel::kEmail));
  EXPECT_THAT(Find(bounced.decision, "channel")->detail,
              HasSubstr("SMS: no ORDER_UPDATE consent recorded; ORDER_UPDATE is opt-out; "
                        "suppressed: HARD_BOUNCE since 2026-02-28T12:00:00Z (550 unknown number)"));

  profile_.preferred_channels = {Channel::kSms};
  PolicyResult only_sms = Run(&order, TestEpoch());
  EXPECT_EQ(only_sms.decision.reason, DecisionReason::kChannelSuppressed);
  EXPECT_EQ(only_sms.decision.rule, "suppression");

  // Unsubscribed from INFORMATIONAL on every channel, for 30 days.
  const core::Template offer = MakeTemplate(Category::kInformational);
  profile_.consents = {
      Consent(Category::kInformational, Channel::kSms, core::ConsentState::kGranted)};
  profile_.suppressions = {{std::nullopt, Category::kInformational,
                            core::SuppressionReason::kUnsubscribe, "list-unsubscribe",
                            TestEpoch() - kDay, TestEpoch() + kDay * 29}};
  PolicyResult unsubscribed = Run(&offer, TestEpoch());
  EXPECT_EQ(unsubscribed.decision.reason, DecisionReason::kCategorySuppressed);
  EXPECT_THAT(unsubscribed.decision.detail,
              HasSubstr("INFORMATIONAL suppressed: UNSUBSCRIBE since 2026-02-28T12:00:00Z until "
                        "2026-03-30T12:00:00Z"));
  EXPECT_EQ(Run(&order, TestEpoch()).decision.outcome, DecisionOutcome::kSend);  // other category
  EXPECT_EQ(Run(&offer, TestEpoch() + kDay * 29).decision.outcome, DecisionOutcome::kSend);
}

TEST_F(ContactPolicyTest, NoAddressOrNoContentForAnyChannelIsNoContactRoute) {
  const core::Template order = MakeTemplate(Category::kOrderUpdate);
  profile_.email.clear();
  profile_.phone.clear();
  PolicyResult r = Run(&order, TestEpoch());
  EXPECT_EQ(r.decision.reason, DecisionReason::kNoContactRoute);
  EXPECT_THAT(r.decision.detail, HasSubstr("SMS: no ORDER_UPDATE consent recorded; ORDER_UPDATE "
                                           "is opt-out; no phone number | EMAIL:"));

  // The event's own contact data counts, even without a profile.
  has_profile_ = false;
  event_.overrides.email = "from-event@example.nl";
  PolicyResult overrides = Run(&order, TestEpoch());
  EXPECT_EQ(overrides.decision.outcome, DecisionOutcome::kSend);
  EXPECT_THAT(overrides.channels, ElementsAre(Channel::kEmail));

  core::Template sms_only = order;
  sms_only.contents[0].email.reset();
  PolicyResult no_content = Run(&sms_only, TestEpoch());
  EXPECT_EQ(no_content.decision.reason, DecisionReason::kNoContactRoute);
  EXPECT_EQ(no_content.decision.rule, "template_content");
}

TEST_F(ContactPolicyTest, AComplaintHoldsBackSurveysAndOffersForTheCooldownOnly) {
  const core::Template survey = MakeTemplate(Category::kSurvey);
  profile_.consents = {Consent(Category::kSurvey, Channel::kSms, core::ConsentState::kGranted)};
  complaints_ = {{"e-complaint", TestEpoch() - kDay * 3}};
  PolicyResult r = Run(&survey, TestEpoch());
  EXPECT_EQ(r.decision.reason, DecisionReason::kComplaintCooldown);
  EXPECT_EQ(r.decision.rule, "complaint cooldown 14d");
  EXPECT_EQ(r.decision.detail,
            "complaint at 2026-02-26T12:00:00Z (event e-complaint): SURVEY held back until "
            "2026-03-12T12:00:00Z");
  // Order updates are not held back; after the cooldown, surveys are allowed again.
  EXPECT_EQ(Run(&survey, TestEpoch() + kDay * 11 - minutes(1)).decision.reason,
            DecisionReason::kComplaintCooldown);
  EXPECT_EQ(Run(&survey, TestEpoch() + kDay * 11).decision.outcome, DecisionOutcome::kSend);
  const core::Template order = MakeTemplate(Category::kOrderUpdate);
  EXPECT_EQ(Run(&order, TestEpoch()).decision.outcome, DecisionOutcome::kSend);

  // A complaint stamped a little ahead of this clock counts from now.
  complaints_ = {{"e-ahead", TestEpoch() + minutes(30)}};
  PolicyResult ahead = Run(&survey, TestEpoch());
  EXPECT_EQ(ahead.decision.reason, DecisionReason::kComplaintCooldown);
  EXPECT_THAT(ahead.decision.detail, HasSubstr("held back until 2026-03-15T12:00:00Z"));
}

TEST_F(ContactPolicyTest, TheSameNewsTwiceUnderANewEventIdIsADuplicate) {
  const core::Template order = MakeTemplate(Category::kOrderUpdate);
  Sent(Category::kOrderUpdate, TestEpoch() - hours(2), "n-first", order.name, "order 1234");
  PolicyResult r = Run(&order, TestEpoch());
  EXPECT_EQ(r.decision.reason, DecisionReason::kDuplicate);
  EXPECT_EQ(r.decision.rule, "duplicate within 7d");
  EXPECT_EQ(r.decision.detail,
            "order.shipped for order 1234 already let through at 2026-03-01T10:00:00Z as n-first "
            "(SENT)");
  event_.subject = "order 5678";  // other news
  EXPECT_EQ(Run(&order, TestEpoch()).decision.outcome, DecisionOutcome::kSend);

  // Only what was let through counts: a deferred one may yet be suppressed.
  event_.subject = "order 1234";
  history_.back().state = core::NotificationState::kDeferred;
  history_.back().send_time.reset();
  EXPECT_EQ(Run(&order, TestEpoch()).decision.outcome, DecisionOutcome::kSend);
  // Outside the window it is news again.
  history_.back().state = core::NotificationState::kSent;
  history_.back().send_time = TestEpoch() - kDay * 7;
  EXPECT_EQ(Run(&order, TestEpoch()).decision.outcome, DecisionOutcome::kSend);
}

TEST_F(ContactPolicyTest, RepeatableEventTypesAreNeverDuplicates) {
  const core::Template reminder = MakeTemplate(Category::kReminder);
  notification_.event_type = event_.event_type = "service.appointment_reminder";
  event_.subject = "appointment a-9";
  Sent(Category::kReminder, TestEpoch() - hours(23), "n-day-before", reminder.name,
       "appointment a-9");
  history_.back().event_type = "service.appointment_reminder";
  EXPECT_EQ(Run(&reminder, TestEpoch()).decision.outcome, DecisionOutcome::kSend);
}

TEST_F(ContactPolicyTest, CapsCountSendsOnlyAndDeferOrDropPerCategory) {
  const core::Template offer = MakeTemplate(Category::kInformational);
  profile_.consents = {
      Consent(Category::kInformational, Channel::kSms, core::ConsentState::kGranted)};
  Sent(Category::kInformational, TestEpoch() - kDay * 6, "n-1");
  Sent(Category::kInformational, TestEpoch() - kDay, "n-2");
  // A failed and a suppressed one do not count.
  Sent(Category::kInformational, TestEpoch() - hours(1), "n-3");
  history_.back().state = core::NotificationState::kFailed;
  PolicyResult r = Run(&offer, TestEpoch());
  EXPECT_EQ(r.decision.outcome, DecisionOutcome::kDefer);
  EXPECT_EQ(r.decision.reason, DecisionReason::kFrequencyCap);
  EXPECT_EQ(r.decision.rule, "INFORMATIONAL cap 2/7d");
  EXPECT_THAT(r.decision.detail,
              HasSubstr("INFORMATIONAL cap 2/7d reached: sent at 2026-02-23T12:00:00Z, "
                        "2026-02-28T12:00:00Z"));
  // The window frees a slot at 2026-03-02T12:00Z: 13:00 in Amsterdam, not quiet.
  EXPECT_EQ(r.decision.defer_until, TestEpoch() + kDay);
  EXPECT_TRUE(r.channels.empty());

  const core::Template survey = MakeTemplate(Category::kSurvey);
  profile_.consents = {Consent(Category::kSurvey, Channel::kSms, core::ConsentState::kGranted)};
  Sent(Category::kSurvey, TestEpoch() - kDay * 29, "n-s");
  PolicyResult dropped = Run(&survey, TestEpoch());
  EXPECT_EQ(dropped.decision.outcome, DecisionOutcome::kSuppress);
  EXPECT_EQ(dropped.decision.reason, DecisionReason::kFrequencyCap);
  EXPECT_THAT(dropped.decision.detail, HasSubstr("SURVEY over its cap is dropped"));

  // SECURITY is never capped and does not use up the others' budget.
  for (int i = 0; i < 6; ++i) {
    Sent(Category::kSecurity, TestEpoch() - hours(i + 1), "n-sec-" + std::to_string(i));
  }
  const core::Template alert = MakeTemplate(Category::kSecurity);
  EXPECT_EQ(Run(&alert, TestEpoch()).decision.outcome, DecisionOutcome::kSend);
  const core::Template order = MakeTemplate(Category::kOrderUpdate);
  EXPECT_EQ(Run(&order, TestEpoch()).decision.outcome, DecisionOutcome::kSend);
}

TEST_F(ContactPolicyTest, QuietHoursDeferToTheirEndInTheCustomersZoneButNotSecurityOrUrgent) {
  const core::Template order = MakeTemplate(Category::kOrderUpdate);
  // 23:30 in Amsterdam (UTC+1 in winter) is 22:30Z.
  PolicyResult r = Run(&order, Utc(2026, 1, 15, 22, 30));
  EXPECT_EQ(r.decision.outcome, DecisionOutcome::kDefer);
  EXPECT_EQ(r.decision.reason, DecisionReason::kQuietHours);
  EXPECT_EQ(r.decision.rule, "quiet hours 22:00-07:00 Europe/Amsterdam");
  EXPECT_EQ(r.decision.defer_until, Utc(2026, 1, 16, 6));  // 07:00 local
  // Just after midnight local is still inside; at 07:00 local it is over.
  EXPECT_EQ(Run(&order, Utc(2026, 1, 15, 23, 30)).decision.defer_until, Utc(2026, 1, 16, 6));
  EXPECT_EQ(Run(&order, Utc(2026, 1, 16, 6)).decision.outcome, DecisionOutcome::kSend);

  // A customer in New York at the same instant is in the evening, not quiet.
  profile_.time_zone = "America/New_York";
  EXPECT_EQ(Run(&order, Utc(2026, 1, 15, 22, 30)).decision.outcome, DecisionOutcome::kSend);
  profile_.time_zone = "Europe/Amsterdam";

  const core::Template alert = MakeTemplate(Category::kSecurity);
  EXPECT_EQ(Run(&alert, Utc(2026, 1, 15, 22, 30)).decision.outcome, DecisionOutcome::kSend);
  const core::Template urgent = MakeTemplate(Category::kServiceUpdate, core::Priority::kUrgent);
  EXPECT_EQ(Run(&urgent, Utc(2026, 1, 15, 22, 30)).decision.outcome, DecisionOutcome::kSend);

  // No quiet hours in the profile: the configured default applies (21:00-08:00).
  profile_.quiet_hours.reset();
  EXPECT_EQ(Run(&order, Utc(2026, 1, 15, 20, 30)).decision.defer_until, Utc(2026, 1, 16, 7));
}

TEST_F(ContactPolicyTest, APauseHoldsWhatWouldGoNowAndSaysWhoPausedIt) {
  const core::Template order = MakeTemplate(Category::kOrderUpdate);
  const core::Template survey = MakeTemplate(Category::kSurvey);
  pauses_ = {{.scope = core::PauseScope::kChannel,
              .value = "SMS",
              .paused_by = "api-key:ops-1",
              .reason = "provider returns 500s",
              .pause_time = TestEpoch() - std::chrono::minutes(5)}};
  PolicyResult r = Run(&order, TestEpoch());
  EXPECT_EQ(r.decision.outcome, DecisionOutcome::kDefer);
  EXPECT_EQ(r.decision.reason, DecisionReason::kPaused);
  EXPECT_FALSE(r.decision.defer_until.has_value()) << "it waits for the resume, not a time";
  EXPECT_EQ(r.decision.detail,
            "channel SMS paused by api-key:ops-1 at 2026-03-01T11:55:00Z: provider returns 500s");
  EXPECT_THAT(r.channels, ElementsAre(Channel::kSms, Channel::kEmail)) << "kept for the resume";
  ASSERT_NE(Find(r.decision, "pause"), nullptr);
  EXPECT_FALSE(Find(r.decision, "pause")->passed);
  EXPECT_NE(Find(r.decision, "template"), nullptr) << "the rules before it are still recorded";

  // Quiet hours defer it first: the pause is met when that deferral is due.
  EXPECT_EQ(Run(&order, Utc(2026, 1, 15, 22, 30)).decision.reason, DecisionReason::kQuietHours);
  // A suppression sends nothing anyway.
  EXPECT_EQ(Run(&survey, TestEpoch()).decision.reason, DecisionReason::kNoConsent);
  // Another channel first is not covered.
  profile_.preferred_channels = {Channel::kEmail, Channel::kSms};
  EXPECT_EQ(Run(&order, TestEpoch()).decision.outcome, DecisionOutcome::kSend);

  pauses_ = {{.scope = core::PauseScope::kTemplate, .value = "t-SURVEY"},
             {.scope = core::PauseScope::kCategory, .value = "ORDER_UPDATE"}};
  EXPECT_EQ(Run(&order, TestEpoch()).decision.rule, "pause of category ORDER_UPDATE");
  pauses_ = {{.scope = core::PauseScope::kAll, .paused_by = "api-key:ops-2"}};
  EXPECT_THAT(Run(&order, TestEpoch()).decision.detail,
              ::testing::StartsWith("all sending paused by api-key:ops-2"));
}

TEST_F(ContactPolicyTest, QuietHoursEndAtTheRightInstantOnBothAmsterdamDstNights) {
  const core::Template order = MakeTemplate(Category::kOrderUpdate);
  profile_.quiet_hours = core::QuietHours{22 * 60, 7 * 60};
  // 2026-03-29: clocks go 02:00 -> 03:00; 07:00 local is CEST (UTC+2) = 05:00Z.
  EXPECT_EQ(Run(&order, Utc(2026, 3, 28, 23)).decision.defer_until, Utc(2026, 3, 29, 5));
  // 2026-10-25: clocks go 03:00 -> 02:00; 07:00 local is CET (UTC+1) = 06:00Z.
  EXPECT_EQ(Run(&order, Utc(2026, 10, 24, 22)).decision.defer_until, Utc(2026, 10, 25, 6));
}

TEST_F(ContactPolicyTest, ACapAndQuietHoursTogetherDeferToTheFirstMomentBothAllow) {
  const core::Template offer = MakeTemplate(Category::kInformational);
  profile_.consents = {
      Consent(Category::kInformational, Channel::kSms, core::ConsentState::kGranted)};
  // The cap frees a slot at 2026-01-16T22:30Z = 23:30 in Amsterdam: quiet until 07:00.
  const core::Time now = Utc(2026, 1, 15, 12);
  Sent(Category::kInformational, Utc(2026, 1, 9, 22, 30), "n-1");
  Sent(Category::kInformational, Utc(2026, 1, 14, 10), "n-2");
  PolicyResult r = Run(&offer, now);
  EXPECT_EQ(r.decision.outcome, DecisionOutcome::kDefer);
  EXPECT_EQ(r.decision.reason, DecisionReason::kFrequencyCap);
  EXPECT_EQ(r.decision.defer_until, Utc(2026, 1, 17, 6));
  EXPECT_THAT(r.decision.detail, HasSubstr("deferred until 2026-01-17T06:00:00Z"));
}

TEST_F(ContactPolicyTest, EveryRuleEvaluatedIsRecordedInOrder) {
  const core::Template order = MakeTemplate(Category::kOrderUpdate);
  PolicyResult r = Run(&order, TestEpoch());
  std::vector<std::string> rules;
  for (const auto& e : r.decision.evaluations) rules.push_back(e.rule);
  EXPECT_THAT(rules, ElementsAre("template", "duplicate", "suppression", "channel", "channel",
                                 "frequency_cap", "quiet_hours"));
  EXPECT_EQ(r.decision.evaluations.back().detail,
            "quiet hours 22:00-07:00 Europe/Amsterdam: not quiet now");
}

}  // namespace
}  // namespace herald::policy

namespace herald::policy {
namespace {

// Channel choice over every combination of preference order x consent x contact data x
// template content, for an opt-in and an opt-out category, against the rule written
// out plainly: the customer's order (or the default), keeping the channels with an
// address, content and consent; none left names what the furthest channel lacked.
TEST_F(ContactPolicyTest, ChannelChoiceOverPreferenceConsentContactAndTemplate) {
  using Prefs = std::vector<Channel>;
  const std::vector<Prefs> preferences = {{},
                                          {Channel::kEmail},
                                          {Channel::kSms},
                                          {Channel::kSms, Channel::kEmail},
                                          {Channel::kEmail, Channel::kSms}};
  // nullopt: nothing recorded.
  const std::vector<std::optional<core::ConsentState>> consents = {
      std::nullopt, core::ConsentState::kGranted, core::ConsentState::kDenied};
  int cases = 0;
  for (Category category : {Category::kOrderUpdate, Category::kInformational}) {
    const bool opt_out = category == Category::kOrderUpdate;
    for (const Prefs& prefs : preferences) {
      for (int contact = 0; contact < 4; ++contact) {    // bit 0: email, bit 1: phone
        for (int content = 1; content < 4; ++content) {  // bit 0: email, bit 1: SMS
          for (const auto& email_consent : consents) {
            for (const auto& sms_consent : consents) {
              ++cases;
              profile_ = Customer();
              profile_.preferred_channels = prefs;
              profile_.email = contact & 1 ? "c1@example.nl" : "";
              profile_.phone = contact & 2 ? "+31612345678" : "";
              for (auto [channel, state] : {std::pair{Channel::kEmail, email_consent},
                                            std::pair{Channel::kSms, sms_consent}}) {
                if (state) profile_.consents.push_back(Consent(category, channel, *state));
              }
              core::Template t = MakeTemplate(category);
              if (!(content & 1)) t.contents[0].email.reset();
              if (!(content & 2)) t.contents[0].sms.reset();

              // The rule, plainly.
              const Prefs order = prefs.empty() ? Prefs{Channel::kEmail, Channel::kSms} : prefs;
              std::vector<Channel> expected;
              int furthest = -1;  // 0: no address, 1: no content, 2: no consent
              for (Channel c : order) {
                const bool email = c == Channel::kEmail;
                const auto& consent = email ? email_consent : sms_consent;
                const bool allowed = consent ? *consent == core::ConsentState::kGranted : opt_out;
                int stage = 3;
                if (!(contact & (email ? 1 : 2))) {
                  stage = 0;
                } else if (!(content & (email ? 1 : 2))) {
                  stage = 1;
                } else if (!allowed) {
                  stage = 2;
                }
                if (stage == 3) expected.push_back(c);
                furthest = std::max(furthest, stage);
              }

              const PolicyResult r = Run(&t, TestEpoch());
              const std::string where = ::testing::PrintToString(
                  std::tuple{core::Name(category), prefs.size(), contact, content,
                             email_consent.has_value() ? static_cast<int>(*email_consent) : -1,
                             sms_consent.has_value() ? static_cast<int>(*sms_consent) : -1});
              if (!expected.empty()) {
                EXPECT_EQ(r.decision.outcome, DecisionOutcome::kSend) << where;
                EXPECT_EQ(r.channels, expected) << where;
              } else {
                EXPECT_EQ(r.decision.outcome, DecisionOutcome::kSuppress) << where;
                EXPECT_EQ(r.decision.reason, furthest == 2 ? DecisionReason::kNoConsent
                                                           : DecisionReason::kNoContactRoute)
                    << where << " " << r.decision.detail;
              }
            }
          }
        }
      }
    }
  }
  EXPECT_EQ(cases, 2 * 5 * 4 * 3 * 3 * 3);
}

}  // namespace
}  // namespace herald::policy
