// The dispatch stage: sends, retries with backoff and Retry-After, the next channel
// after a permanent failure, bounces, the maximum age, circuit breakers, rate limits,
// rendering at hand-off, and what a crash leaves behind.
#include "services/dispatch/dispatcher.h"

#include <condition_variable>
#include <thread>

#include "tests/support/wait.h"
#include "tests/unit/dispatch/dispatch_fixture.h"

namespace herald::dispatch {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST_F(DispatcherTest, AQueuedNotificationIsSentAndEveryStepIsRecorded) {
  const std::string id = Queue(1)[0];
  auto dispatcher = Make();
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_EQ(*dispatcher->RunOnce(), 1);
  EXPECT_EQ(*dispatcher->RunOnce(), 0);

  const std::vector<Delivery> seen = sms_.seen();
  ASSERT_EQ(seen.size(), 1u);
  const Delivery& d = seen[0];
  EXPECT_EQ(d.notification_id, id);
  EXPECT_EQ(d.attempt, 1);
  EXPECT_EQ(d.address, "+31612345678");
  EXPECT_EQ(d.message.sms_text, "Order o-e-1 shipped");
  core::Notification n = Get(id);
  EXPECT_EQ(n.state, NotificationState::kSent);
  ASSERT_EQ(n.attempts.size(), 1u);
  EXPECT_EQ(n.attempts[0].channel, Channel::kSms);
  EXPECT_EQ(n.attempts[0].result, core::AttemptResult::kAccepted);
  EXPECT_EQ(n.attempts[0].provider_message_id, "p-1");
  EXPECT_EQ(n.attempts[0].start_time, clock_.Now());
  std::vector<NotificationState> states;
  for (const auto& h : n.history) states.push_back(h.state);
  EXPECT_THAT(states, ElementsAre(NotificationState::kPending, NotificationState::kQueued,
                                  NotificationState::kSending, NotificationState::kSent));
  EXPECT_EQ(n.history.back().detail, "accepted on SMS as p-1");
}

// What intake queues is offered to the running lanes in memory: a lane that has listed
// the store and found nothing due sleeps for its idle_wait (an hour here), and only the
// offer brings it the next SMS.
TEST_F(DispatcherTest, WhatIntakeQueuesReachesASleepingLaneAtOnce) {
  const std::string first = Queue(1)[0];
  auto dispatcher = Make();
  dispatcher->Start();
  ASSERT_TRUE(testing::WaitFor([&] { return Get(first).state == NotificationState::kSent; },
                               std::chrono::seconds(30)));
  pipeline_->HandTo(dispatcher.get());
  const std::string second = Queue(1)[0];
  EXPECT_TRUE(testing::WaitFor([&] { return Get(second).state == NotificationState::kSent; },
                               std::chrono::seconds(30)))
      << core::Name(Get(second).state);
  dispatcher->Stop();
  const std::vector<Delivery> seen = sms_.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].notification_id, second);
  EXPECT_EQ(seen[1].address, "+31612345678");
  EXPECT_EQ(seen[1].message.sms_text, "Order o-e-2 shipped");
}

// An offered notification is rendered with the customer's profile as it is at
// hand-off, as a listed one is.
TEST_F(DispatcherTest, AnOfferedNotificationGoesToTheCurrentAddress) {
  auto dispatcher = Make();
  pipeline_->HandTo(dispatcher.get());
  const std::string id = Queue(1)[0];
  ChangePhone("+31687654321");
  EXPECT_EQ(*dispatcher->RunOnce(), 1);
  const std::vector<Delivery> seen = sms_.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].notification_id, id);
  EXPECT_EQ(seen[0].address, "+31687654321");
}

// Offered and due in the store at once: each is handed off once.
TEST_F(DispatcherTest, WhatIsBothOfferedAndListedIsHandedOffOnce) {
  auto dispatcher = Make();
  pipeline_->HandTo(dispatcher.get());
  const std::vector<std::string> ids = Queue(3);
  EXPECT_EQ(*dispatcher->RunOnce(), 3);  // takes the offers, and lists the store too
  EXPECT_EQ(*dispatcher->RunOnce(), 0);
  std::vector<std::string> sent;
  for (const Delivery& d : sms_.seen()) sent.push_back(d.notification_id);
  EXPECT_THAT(sent, ::testing::UnorderedElementsAreArray(ids));
  EXPECT_EQ(store_->CountNotifications({NotificationState::kSent}).value_or(-1), 3);
}

TEST_F(DispatcherTest, ARetryWaitsForItsBackoffOrTheProvidersRetryAfter) {
  const std::string id = Queue(1)[0];
  auto dispatcher = Make();
  sms_.Then(SendOutcome::kRetryable, "HTTP 503: unavailable");
  EXPECT_EQ(*dispatcher->RunOnce(), 1);
  core::Notification n = Get(id);
  EXPECT_EQ(n.state, NotificationState::kQueued);
  ASSERT_TRUE(n.next_attempt_time);
  // 30 s, with jitter: between 15 and 30 s.
  EXPECT_GE(*n.next_attempt_time, clock_.Now() + std::chrono::seconds(15));
  EXPECT_LE(*n.next_attempt_time, clock_.Now() + std::chrono::seconds(30));
  EXPECT_EQ(*dispatcher->RunOnce(), 0);  // not due yet

  sms_.Then(SendOutcome::kRetryable, "HTTP 429", false, std::chrono::seconds(600));
  clock_.Set(*n.next_attempt_time);
  EXPECT_EQ(*dispatcher->RunOnce(), 1);
  n = Get(id);
  EXPECT_EQ(*n.next_attempt_time, clock_.Now() + std::chrono::seconds(600));

  clock_.Set(*n.next_attempt_time);
  EXPECT_EQ(*dispatcher->RunOnce(), 1);
  n = Get(id);
  EXPECT_EQ(n.state, NotificationState::kSent);
  ASSERT_EQ(n.attempts.size(), 3u);
  EXPECT_EQ(n.attempts[0].result, core::AttemptResult::kRetryableFailure);
  EXPECT_EQ(n.attempts[0].detail, "HTTP 503: unavailable");
  // The same notification id on every attempt: the provider's idempotency key.
  const std::vector<Delivery> seen = sms_.seen();
  for (const Delivery& d : seen) EXPECT_EQ(d.notification_id, id);
  EXPECT_EQ(seen[2].attempt, 3);
}

TEST_F(DispatcherTest, APermanentFailureMovesToTheNextChannelThenFails) {
  const std::string id = Queue(1)[0];
  auto dispatcher = Make();
  sms_.Then(SendOutcome::kPermanent, "HTTP 401: unauthorized");
  email_.Then(SendOutcome::kPermanent, "554 5.7.1 rejected (to DATA)");
  EXPECT_EQ(*dispatcher->RunOnce(), 1);  // SMS refused: QUEUED on EMAIL at once
  EXPECT_EQ(Get(id).state, NotificationState::kQueued);
  EXPECT_EQ(Get(id).channel, Channel::kEmail);
  EXPECT_EQ(*dispatcher->RunOnce(), 1);
  core::Notification n = Get(id);
  EXPECT_EQ(n.state, NotificationState::kFailed);
  ASSERT_EQ(n.attempts.size(), 2u);
  EXPECT_EQ(n.attempts[0].channel, Channel::kSms);
  EXPECT_EQ(n.attempts[1].channel, Channel::kEmail);
  EXPECT_EQ(n.history.back().detail,
            "refused on EMAIL: 554 5.7.1 rejected (to DATA); no channel left");
  const std::vector<Delivery> emails = email_.seen();
  ASSERT_EQ(emails.size(), 1u);
  EXPECT_EQ(emails[0].address, "anna@example.nl");
  EXPECT_EQ(emails[0].message.subject, "Shipped o-e-1");
}

TEST_F(DispatcherTest, AHardBounceSuppressesTheChannelForTheCustomer) {
  const std::string id = Queue(1)[0];
  auto dispatcher = Make();
  sms_.Then(SendOutcome::kPermanent, "HTTP 400: invalid_number", /*rejected=*/true);
  email_.Then(SendOutcome::kPermanent, "550 5.1.1 user unknown (to RCPT)", /*rejected=*/true);
  EXPECT_EQ(*dispatcher->RunOnce(), 1);
  EXPECT_EQ(*dispatcher->RunOnce(), 1);
  EXPECT_EQ(Get(id).state, NotificationState::kBounced);
  absl::StatusOr<core::Profile> anna = store_->GetProfile("anna");
  ASSERT_TRUE(anna.ok());
  ASSERT_EQ(anna->suppressions.size(), 2u);
  EXPECT_EQ(anna->suppressions[0].reason, core::SuppressionReason::kHardBounce);
  // The next order is not even attempted: both channels are suppressed.
  const std::string next = Queue(1)[0];
  EXPECT_EQ(Get(next).state, NotificationState::kSuppressed);
  EXPECT_EQ(Get(next).decision->reason, core::DecisionReason::kChannelSuppressed);
}

TEST_F(DispatcherTest, RetriesStopAtTheMaximumAgeAndTheNextChannelTakesOver) {
  const std::string id = Queue(1)[0];
  auto dispatcher =
      Make({{Channel::kSms,
             {.initial_backoff = std::chrono::seconds(40), .max_age = std::chrono::seconds(60)}}});
  sms_.Then(SendOutcome::kRetryable, "timeout");
  sms_.Then(SendOutcome::kRetryable, "timeout");
  EXPECT_EQ(*dispatcher->RunOnce(), 1);
  core::Notification n = Get(id);
  ASSERT_EQ(n.state, NotificationState::kQueued);
  clock_.Set(*n.next_attempt_time);
  EXPECT_EQ(*dispatcher->RunOnce(), 1);  // SMS gives up: the next retry would be too late
  n = Get(id);
  EXPECT_EQ(n.state, NotificationState::kQueued);
  EXPECT_EQ(n.channel, Channel::kEmail);
  EXPECT_THAT(n.history.back().detail,
              HasSubstr("SMS still failing after 60s: timeout; next: EMAIL"));
  EXPECT_EQ(*dispatcher->RunOnce(), 1);
  EXPECT_EQ(Get(id).state, NotificationState::kSent);
}

TEST_F(DispatcherTest, TheBreakerHoldsAChannelBackAndTheBucketPacesIt) {
  Queue(4);
  auto dispatcher = Make({{Channel::kSms,
                           {.rate_per_second = 1,
                            .burst = 2,
                            .breaker_failures = 2,
                            .breaker_open_for = std::chrono::seconds(30)}},
                          {Channel::kEmail, {.rate_per_second = 0.001, .burst = 1}}});
  sms_.Then(SendOutcome::kRetryable, "connection refused");
  sms_.Then(SendOutcome::kRetryable, "connection refused");
  EXPECT_EQ(*dispatcher->RunOnce(), 2);  // the burst: two, both failing
  clock_.Advance(std::chrono::seconds(5));
  EXPECT_EQ(*dispatcher->RunOnce(), 0);  // open: the two others wait
  EXPECT_EQ(sms_.seen().size(), 2u);
  clock_.Advance(std::chrono::seconds(26));
  EXPECT_EQ(*dispatcher->RunOnce(), 2);  // closed again; tokens for two
  EXPECT_EQ(*dispatcher->RunOnce(), 0);  // no token left
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_EQ(*dispatcher->RunOnce(), 1);  // one second, one token: a retried one
}

TEST_F(DispatcherTest, SendsInFlightAtACrashAreResentOrLeftForAnOperator) {
  const std::vector<std::string> ids = Queue(2);
  // A crash right after the hand-offs began: both SENDING in the store.
  ASSERT_EQ(Claim(2), 2);
  // This SMS provider honours the idempotency key: both are sent again (on a shared
  // store, once the crashed instance's lease on them ran out).
  auto dispatcher = Make({{Channel::kSms, {.resend_after_crash = true}}});
  EndLeases();
  EXPECT_EQ(*dispatcher->Recover(), 2);
  EXPECT_EQ(Get(ids[0]).state, NotificationState::kQueued);
  EXPECT_EQ(Get(ids[0]).attempts[0].result, core::AttemptResult::kInterrupted);
  EXPECT_EQ(*dispatcher->RunOnce(), 2);
  EXPECT_EQ(Get(ids[0]).state, NotificationState::kSent);
  EXPECT_EQ(Get(ids[0]).attempts.size(), 2u);

  // By default (email, or a provider without idempotency keys): UNKNOWN, for an operator.
  auto cautious = Make();
  const std::string third = Queue(1)[0];
  ASSERT_EQ(Claim(1), 1);
  EndLeases();
  EXPECT_EQ(*cautious->Recover(), 1);
  core::Notification n = Get(third);
  EXPECT_EQ(n.state, NotificationState::kUnknown);
  EXPECT_THAT(n.history.back().detail, HasSubstr("an operator must check"));
}

// Rendering at hand-off: only the channel about to be used, in the customer's language,
// with the shared snippets; a channel whose message does not render is skipped.
class RenderAtHandOffTest : public DispatcherTest {
 protected:
  void SetUp() override {
    DispatcherTest::SetUp();
    clock_.Set(Utc(2026, 3, 2, 11));  // Monday 12:00 in Brussels
    auto stored = store_->AddTemplateVersion(
        "order-late", [&](const core::Template*) -> absl::StatusOr<std::optional<core::Template>> {
          core::Template t;
          t.name = "order-late";
          t.category = core::Category::kOrderUpdate;
          t.event_types = {"order.delayed"};
          t.default_locale = "en";
          t.max_sms_segments = 1;
          core::LocalizedContent nl{
              "nl",
              core::EmailContent{"Bestelling {{order.order_id}} is vertraagd",
                                 "Beste {{customer.name}},\nSinds {{event.occur_time.date}} om "
                                 "{{event.occur_time.time}}: {{order.delay_reason}}.\n{{> sign}}",
                                 "<p>Beste {{customer.name}}</p>{{> sign}}"},
              core::SmsContent{"Bestelling {{order.order_id}} vertraagd. {{attributes.note}}"}};
          core::LocalizedContent en{
              "en",
              core::EmailContent{"Order {{order.order_id}} is late",
                                 "Dear {{customer.name}}, since {{event.occur_time.date}}.", ""},
              core::SmsContent{"Order {{order.order_id}} is late."}};
          t.contents = {nl, en};
          t.update_time = clock_.Now();
          return t;
        });
    ASSERT_TRUE(stored.ok()) << stored.status();
    for (auto [name, text] :
         {std::pair{"sign", "Groet, {{> brand}}"}, std::pair{"brand", "Herald Bank"}}) {
      core::Snippet snippet;
      snippet.name = name;
      snippet.text = text;
      snippet.update_time = clock_.Now();
      ASSERT_TRUE(store_->PutSnippet(snippet, /*must_exist=*/false).ok());
    }
    for (const auto& customer : {std::pair{"anke", "nl-BE"}, std::pair{"bram", "fr-FR"}}) {
      Profile(customer.first, [&](core::Profile& p) {
        p.display_name = "Anke & Co";
        p.email = std::string(customer.first) + "@example.be";
        p.phone = "+32470123456";
        p.locale = customer.second;
        p.time_zone = "Europe/Brussels";
        p.preferred_channels = {Channel::kSms, Channel::kEmail};
      });
    }
  }

  void Profile(const std::string& id, const std::function<void(core::Profile&)>& change) {
    auto stored = store_->MutateProfile(
        id, [&](const core::Profile* current) -> absl::StatusOr<core::Profile> {
          core::Profile p = current != nullptr ? *current : core::Profile{};
          p.customer_id = id;
          change(p);
          return p;
        });
    ASSERT_TRUE(stored.ok()) << stored.status();
  }

  // An order delayed for a customer, decided as it is recorded; its notification id.
  std::string Delayed(const std::string& id, const std::string& customer,
                      const std::string& note = "", const std::string& locale = "") {
    v1::Event e = testing::OrderShipped(id, customer, clock_.Now());
    e.set_event_type("order.delayed");
    e.mutable_order()->set_order_id("1001");
    e.mutable_order()->set_delay_reason("storm");
    if (!note.empty()) (*e.mutable_attributes())["note"] = note;
    if (!locale.empty()) e.mutable_contact_overrides()->set_locale(locale);
    auto outcomes = pipeline_->intake().ProcessParsed({&e}, "grpc");
    EXPECT_TRUE(outcomes.ok()) << outcomes.status();
    return core::NotificationId(id, customer, "order-late");
  }
};

TEST_F(RenderAtHandOffTest, OnlyTheChannelHandedOffIsRenderedInTheCustomersLanguage) {
  const std::string anke = Delayed("d-1", "anke");
  const std::string bram = Delayed("d-2", "bram");
  auto dispatcher = Make();
  sms_.Then(SendOutcome::kAccepted, "ok");
  sms_.Then(SendOutcome::kPermanent, "HTTP 400: no SMS to Belgium");  // bram: next, email
  ASSERT_EQ(*dispatcher->RunOnce(), 2);

  core::Notification n = Get(anke);
  EXPECT_EQ(n.state, NotificationState::kSent);
  ASSERT_EQ(n.messages.size(), 1u);  // the SMS only: email was never needed
  const core::RenderedMessage& sms = n.messages[0];
  EXPECT_EQ(sms.channel, Channel::kSms);
  EXPECT_EQ(sms.locale, "nl");  // nl-BE falls back to nl
  EXPECT_EQ(sms.sms_text, "Bestelling 1001 vertraagd. ");
  EXPECT_EQ(sms.sms_encoding, "GSM_7");
  EXPECT_EQ(sms.sms_segments, 1);
  EXPECT_EQ(sms.render_time, clock_.Now());
  EXPECT_EQ(sms_.seen()[0].message.sms_text, "Bestelling 1001 vertraagd. ");
  // What was rendered is in the history of the hand-off.
  EXPECT_THAT(n.history[2].detail, HasSubstr("attempt 1 on SMS: nl, 1 segment GSM_7"));

  // bram's SMS was refused: the email is rendered for its hand-off, in the default
  // locale (no French content), its dates read in English.
  ASSERT_EQ(*dispatcher->RunOnce(), 1);
  core::Notification fr = Get(bram);
  EXPECT_EQ(fr.state, NotificationState::kSent);
  ASSERT_EQ(fr.messages.size(), 2u);
  EXPECT_EQ(fr.messages[1].channel, Channel::kEmail);
  EXPECT_EQ(fr.messages[1].locale, "en");
  EXPECT_EQ(fr.messages[1].text_body, "Dear Anke & Co, since Monday, March 2, 2026.");

  // Formatted as in Belgium, in Brussels time; text unescaped, HTML escaped.
  Profile("anke", [](core::Profile& p) { p.preferred_channels = {Channel::kEmail}; });
  const std::string mail = Delayed("d-3", "anke");
  ASSERT_EQ(*dispatcher->RunOnce(), 1);
  const core::RenderedMessage email = Get(mail).messages.at(0);
  EXPECT_EQ(email.subject, "Bestelling 1001 is vertraagd");
  EXPECT_EQ(email.text_body,
            "Beste Anke & Co,\nSinds maandag 2 maart 2026 om 12:00: storm.\nGroet, Herald Bank");
  EXPECT_EQ(email.html_body, "<p>Beste Anke &amp; Co</p>Groet, Herald Bank");
}

TEST_F(RenderAtHandOffTest, AChannelWhoseMessageDoesNotRenderIsSkippedForTheNext) {
  // An SMS over the template's one segment: not handed off; the email goes instead.
  const std::string id = Delayed("d-1", "anke", std::string(160, 'x'));
  auto dispatcher = Make();
  EXPECT_EQ(*dispatcher->RunOnce(), 0);
  core::Notification n = Get(id);
  ASSERT_EQ(n.state, NotificationState::kQueued);
  EXPECT_EQ(n.channel, Channel::kEmail);
  EXPECT_TRUE(n.attempts.empty());
  EXPECT_EQ(n.history.back().detail,
            "not rendered for SMS: sms.text renders to 2 segments (GSM_7, 187 septets); the "
            "template allows 1; next: EMAIL");
  EXPECT_EQ(*dispatcher->RunOnce(), 1);
  EXPECT_EQ(Get(id).state, NotificationState::kSent);
  EXPECT_TRUE(sms_.seen().empty());

  // A snippet gone: the email cannot be rendered either. FAILED, and it says why.
  ASSERT_TRUE(store_->DeleteSnippet("brand").ok());
  const std::string failed = Delayed("d-2", "anke", std::string(160, 'x'));
  EXPECT_EQ(*dispatcher->RunOnce(), 0);
  EXPECT_EQ(*dispatcher->RunOnce(), 0);
  n = Get(failed);
  EXPECT_EQ(n.state, NotificationState::kFailed);
  EXPECT_THAT(n.history.back().detail,
              HasSubstr("not rendered for EMAIL: partial \"brand\" (in \"sign\", line 1, column "
                        "8) is not a stored snippet; no channel left"));
  EXPECT_TRUE(n.messages.empty());
  EXPECT_EQ(MetricSum("herald_render_failures_total"), 3);  // SMS twice, EMAIL once
}

TEST_F(RenderAtHandOffTest, AFailedRenderStopsCountingForTheCaps) {
  policy::PolicyConfig rules = policy::PolicyConfig::Defaults();
  rules.default_quiet_hours = core::QuietHours{0, 0};
  rules.global_cap = policy::Cap{1, std::chrono::hours(24)};
  pipeline_.reset();
  pipeline_ = std::make_unique<testing::Pipeline>(dir_.File("herald.db"), clock_, registry_,
                                                  testing::Pipeline::Options{.policy = rules});
  store_ = &pipeline_->store();
  Profile("anke", [](core::Profile& p) { p.email.clear(); });  // SMS only
  const std::string first = Delayed("d-1", "anke", std::string(160, 'x'));
  auto dispatcher = Make();
  EXPECT_EQ(*dispatcher->RunOnce(), 0);
  EXPECT_EQ(Get(first).state, NotificationState::kFailed);
  // The failed one no longer counts: the next fits under the cap of one.
  const std::string second = Delayed("d-2", "anke");
  EXPECT_EQ(Get(second).state, NotificationState::kQueued);
}

TEST_F(RenderAtHandOffTest, AnUnreadableStoredEventFailsRatherThanSendingEmptyValues) {
  const std::string id = Delayed("d-1", "anke");
  // Read back from the store (as after a restart), whose copy no longer decodes.
  pipeline_.reset();
  policy::PolicyConfig rules = policy::PolicyConfig::Defaults();
  rules.default_quiet_hours = core::QuietHours{0, 0};
  testing::TestStore::Exec(dir_.File("herald.db"),
                           "UPDATE events SET body = 'garbage' WHERE event_id = 'd-1'");
  pipeline_ = std::make_unique<testing::Pipeline>(dir_.File("herald.db"), clock_, registry_,
                                                  testing::Pipeline::Options{.policy = rules});
  store_ = &pipeline_->store();
  auto dispatcher = Make();
  EXPECT_EQ(*dispatcher->RunOnce(), 0);
  EXPECT_EQ(*dispatcher->RunOnce(), 0);
  core::Notification n = Get(id);
  EXPECT_EQ(n.state, NotificationState::kFailed);
  EXPECT_THAT(n.history.back().detail,
              HasSubstr("not rendered for EMAIL: the stored event cannot be read: stored event "
                        "d-1 no longer decodes"));
}

// What rendering reads does not answer (the database restarting): the notification is
// not failed for it; it stays QUEUED and goes once the store answers again.
TEST_F(RenderAtHandOffTest, AStoreThatDoesNotAnswerWhileRenderingDelaysTheSendRatherThanFailIt) {
  const std::string id = Delayed("d-1", "anke");
  class Unanswered : public Renderer {
   public:
    explicit Unanswered(Renderer& inner) : inner_(inner) {}
    std::vector<absl::StatusOr<core::RenderedMessage>> Render(
        const std::vector<RenderInput>& inputs, core::Time now) override {
      if (down) {
        return std::vector<absl::StatusOr<core::RenderedMessage>>(
            inputs.size(), absl::UnavailableError("postgres: server closed the connection"));
      }
      return inner_.Render(inputs, now);
    }
    bool down = true;

   private:
    Renderer& inner_;
  } renderer(pipeline_->composer());
  auto dispatcher = Make({}, &renderer);
  EXPECT_EQ(dispatcher->RunOnce().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Get(id).state, NotificationState::kQueued);
  EXPECT_TRUE(Get(id).attempts.empty());
  renderer.down = false;
  EXPECT_EQ(*dispatcher->RunOnce(), 1);
  EXPECT_EQ(Get(id).state, NotificationState::kSent);
}

TEST_F(RenderAtHandOffTest, TheEventsLocaleOverrideIsReadAsValidationNormalisedIt) {
  Profile("anke", [](core::Profile& p) { p.preferred_channels = {Channel::kEmail}; });
  const std::string id = Delayed("d-1", "anke", "", "EN-gb");
  auto dispatcher = Make();
  ASSERT_EQ(*dispatcher->RunOnce(), 1);
  const core::Notification n = Get(id);
  ASSERT_EQ(n.messages.size(), 1u);
  EXPECT_EQ(n.messages[0].locale, "en");
  EXPECT_EQ(n.messages[0].text_body,
            "Dear Anke & Co, since Monday, 2 March 2026.");  // en-GB, not en-US
}

TEST_F(RenderAtHandOffTest, SnippetsWhoseRecursionNeverEndsFailTheirChannelNotThePipeline) {
  // Recursion the data never ends (the API stores such snippets with a warning): the
  // email fails at the depth bound; the SMS, which includes no snippet, goes.
  for (auto [name, text] : {std::pair{"sign", "{{> brand}}"}, std::pair{"brand", "{{> sign}}"}}) {
    core::Snippet snippet;
    snippet.name = name;
    snippet.text = text;
    snippet.update_time = clock_.Now();
    ASSERT_TRUE(store_->PutSnippet(snippet, /*must_exist=*/true).ok());
  }
  Profile("anke", [](core::Profile& p) {
    p.preferred_channels = {Channel::kEmail, Channel::kSms};
  });
  const std::string id = Delayed("d-1", "anke");
  auto dispatcher = Make();
  EXPECT_EQ(*dispatcher->RunOnce(), 1);  // the email lane skips it, the SMS lane sends it
  core::Notification n = Get(id);
  EXPECT_EQ(n.state, NotificationState::kSent);
  EXPECT_EQ(n.channel, Channel::kSms);
  std::vector<std::string> details;
  for (const core::StateChange& h : n.history) details.push_back(h.detail);
  EXPECT_THAT(details, ::testing::Contains(
                           "not rendered for EMAIL: email.text_body: partial \"sign\" nested "
                           "more than 64 deep (sign -> brand -> sign -> ...); next: SMS"));
}

// A connector that holds its hand-offs until the test lets them go.
class HeldConnector final : public connectors::Connector {
 public:
  Channel channel() const override { return Channel::kSms; }
  void Send(Delivery, connectors::SendDone done) override {
    {
      std::lock_guard lock(mu_);
      if (!released_) {
        held_.push_back(std::move(done));
        cv_.notify_all();
        return;
      }
    }
    done(Accepted());
  }
  // Waits (bounded) until `n` sends are in hand.
  bool WaitInHand(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10),
                        [&] { return static_cast<int>(held_.size()) >= n; });
  }
  // Answers those in hand, and every later one at once.
  void Release() {
    std::vector<connectors::SendDone> held;
    {
      std::lock_guard lock(mu_);
      released_ = true;
      held.swap(held_);
    }
    for (connectors::SendDone& done : held) done(Accepted());
  }

 private:
  static SendResult Accepted() {
    SendResult ok;
    ok.outcome = SendOutcome::kAccepted;
    return ok;
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<connectors::SendDone> held_;
  bool released_ = false;
};

TEST_F(DispatcherTest, OnlyWhatIsHandedOffIsClaimedSoACrashLeavesNoMoreInDoubt) {
  const std::vector<std::string> ids = Queue(5);  // the global cap lets 5 a day through
  HeldConnector held;
  Dispatcher dispatcher(
      *store_, pipeline_->composer(), {{Channel::kSms, &held}},
      {{Channel::kSms, {.rate_per_second = 1000, .burst = 1000, .concurrency = 2}}}, clock_,
      registry_, Dispatcher::Options{.idle_wait = std::chrono::hours(1)});
  dispatcher.Start();
  ASSERT_TRUE(held.WaitInHand(2));
  // Two in hand, and only those two SENDING: the other three are still QUEUED.
  EXPECT_EQ(store_->CountNotifications({NotificationState::kSending}).value_or(-1), 2);
  EXPECT_EQ(store_->CountNotifications({NotificationState::kQueued}).value_or(-1), 3);
  held.Release();
  for (int i = 0; i < 1000; ++i) {  // bounded for a broken build
    if (store_->CountNotifications({NotificationState::kSent}).value_or(0) == 5) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  dispatcher.Stop();
  EXPECT_EQ(store_->CountNotifications({NotificationState::kSent}).value_or(-1), 5);
}

}  // namespace
}  // namespace herald::dispatch
