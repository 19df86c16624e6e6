// The dispatch stage over a real SQLite store, fed by the real intake and decider,
// with scripted connectors and an injected clock: sends, retries with backoff and
// Retry-After, the next channel after a permanent failure, bounces, the maximum age,
// circuit breakers, rate limits, and what a crash leaves behind.
#include "services/dispatch/dispatcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>

#include "services/ingest/intake.h"
#include "services/policy/decider.h"
#include "services/store/sqlite/sqlite_store.h"
#include "services/tracking/receipts.h"
#include "services/tracking/status_publisher.h"
#include "tests/support/fake_clock.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/ingest/event_fixtures.h"

namespace herald::dispatch {
namespace {

using connectors::Delivery;
using connectors::SendOutcome;
using connectors::SendResult;
using core::Channel;
using core::NotificationState;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::Utc;

// Answers from a script (then accepts), and remembers every delivery.
class ScriptedConnector final : public connectors::Connector {
 public:
  explicit ScriptedConnector(Channel channel) : channel_(channel) {}
  Channel channel() const override { return channel_; }
  SendResult Send(const Delivery& d) override {
    if (during_send) during_send(d);
    std::lock_guard lock(mu_);
    seen_.push_back(d);
    if (script_.empty()) {
      SendResult ok;
      ok.outcome = SendOutcome::kAccepted;
      ok.detail = "250 ok";
      ok.provider_message_id = "p-" + std::to_string(seen_.size());
      return ok;
    }
    SendResult r = script_.front();
    script_.pop_front();
    return r;
  }
  void Then(SendOutcome outcome, std::string detail, bool rejected = false,
            std::optional<std::chrono::seconds> retry_after = std::nullopt) {
    SendResult r;
    r.outcome = outcome;
    r.detail = std::move(detail);
    r.address_rejected = rejected;
    r.retry_after = retry_after;
    std::lock_guard lock(mu_);
    script_.push_back(r);
  }
  std::vector<Delivery> seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }
  /// Runs inside Send, before it answers (e.g. a provider calling back early).
  std::function<void(const Delivery&)> during_send;

 private:
  const Channel channel_;
  std::mutex mu_;
  std::deque<SendResult> script_;
  std::vector<Delivery> seen_;
};

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = store::sqlite::SqliteStore::Open(
        {.path = dir_.File("herald.db"), .status_outbox = status_outbox_});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    intake_ = std::make_unique<ingest::Intake>(*store_, *store_, *store_, clock_,
                                               ingest::EventLimits{}, registry_);
    policy::PolicyConfig rules = policy::PolicyConfig::Defaults();
    rules.default_quiet_hours = core::QuietHours{0, 0};  // none: sent whenever decided
    decider_ = std::make_unique<policy::Decider>(*store_, rules, ingest::ReadStoredEvent, clock_,
                                                 registry_, policy::Decider::Options{});
    auto stored = store_->AddTemplateVersion(
        "order-shipped",
        [&](const core::Template*) -> absl::StatusOr<std::optional<core::Template>> {
          core::Template t;
          t.name = "order-shipped";
          t.category = core::Category::kOrderUpdate;
          t.event_types = {"order.shipped"};
          t.default_locale = "en";
          t.contents = {{"en", core::EmailContent{"Shipped {{order.order_id}}", "On its way", ""},
                         core::SmsContent{"Order {{order.order_id}} shipped"}}};
          t.update_time = clock_.Now();
          return t;
        });
    ASSERT_TRUE(stored.ok()) << stored.status();
    auto profile =
        store_->MutateProfile("anna", [&](const core::Profile*) -> absl::StatusOr<core::Profile> {
          core::Profile p;
          p.customer_id = "anna";
          p.email = "anna@example.nl";
          p.phone = "+31612345678";
          p.time_zone = "Europe/Amsterdam";
          p.preferred_channels = {Channel::kSms, Channel::kEmail};
          return p;
        });
    ASSERT_TRUE(profile.ok()) << profile.status();
  }

  std::unique_ptr<Dispatcher> Make(std::map<Channel, ChannelPolicy> policies = {}) {
    return std::make_unique<Dispatcher>(*store_,
                                        std::map<Channel, connectors::Connector*>{
                                            {Channel::kSms, &sms_}, {Channel::kEmail, &email_}},
                                        std::move(policies), clock_, registry_,
                                        Dispatcher::Options{.max_batch = 10,
                                                            .idle_wait = std::chrono::hours(1),
                                                            .retry_wait = std::chrono::hours(1),
                                                            .unsubscribe_base_url = "",
                                                            .jitter_seed = 7});
  }

  // Orders shipped for anna, decided: QUEUED on SMS with EMAIL as the fallback.
  std::vector<std::string> Queue(int count) {
    std::vector<v1::Event> events;
    std::vector<std::string> ids;
    for (int i = 0; i < count; ++i) {
      const std::string id = "e-" + std::to_string(next_event_++);
      events.push_back(testing::OrderShipped(id, "anna", clock_.Now()));
      events.back().mutable_order()->set_order_id("o-" + id);
      ids.push_back(core::NotificationId(id, "anna", "order-shipped"));
    }
    std::vector<const v1::Event*> batch;
    for (const v1::Event& e : events) batch.push_back(&e);
    EXPECT_TRUE(intake_->ProcessParsed(batch, "grpc").ok());
    EXPECT_EQ(*decider_->RunOnce(), count);
    return ids;
  }

  core::Notification Get(const std::string& id) {
    auto n = store_->GetNotification(id);
    EXPECT_TRUE(n.ok()) << n.status();
    return n.ok() ? *n : core::Notification{};
  }

  // The value of a metric without labels (or the first series), -1 when absent.
  double Metric(const std::string& name) {
    for (const prometheus::MetricFamily& family : registry_.Collect()) {
      if (family.name != name || family.metric.empty()) continue;
      const prometheus::ClientMetric& m = family.metric[0];
      return family.type == prometheus::MetricType::Gauge ? m.gauge.value : m.counter.value;
    }
    return -1;
  }

  bool status_outbox_ = false;
  testing::TempDir dir_;
  testing::FakeClock clock_{Utc(2026, 11, 22, 12)};
  prometheus::Registry registry_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::unique_ptr<ingest::Intake> intake_;
  std::unique_ptr<policy::Decider> decider_;
  ScriptedConnector sms_{Channel::kSms};
  ScriptedConnector email_{Channel::kEmail};
  int next_event_ = 1;
};

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
  ASSERT_EQ(store_->ClaimDispatchWork(clock_.Now(), {Channel::kSms}, 2)->size(), 2u);
  // This SMS provider honours the idempotency key: both are sent again.
  auto dispatcher = Make({{Channel::kSms, {.resend_after_crash = true}}});
  EXPECT_EQ(*dispatcher->Recover(), 2);
  EXPECT_EQ(Get(ids[0]).state, NotificationState::kQueued);
  EXPECT_EQ(Get(ids[0]).attempts[0].result, core::AttemptResult::kInterrupted);
  EXPECT_EQ(*dispatcher->RunOnce(), 2);
  EXPECT_EQ(Get(ids[0]).state, NotificationState::kSent);
  EXPECT_EQ(Get(ids[0]).attempts.size(), 2u);

  // By default (email, or a provider without idempotency keys): UNKNOWN, for an operator.
  auto cautious = Make();
  const std::string third = Queue(1)[0];
  ASSERT_EQ(store_->ClaimDispatchWork(clock_.Now(), {Channel::kSms}, 1)->size(), 1u);
  EXPECT_EQ(*cautious->Recover(), 1);
  core::Notification n = Get(third);
  EXPECT_EQ(n.state, NotificationState::kUnknown);
  EXPECT_THAT(n.history.back().detail, HasSubstr("an operator must check"));
}

// Provider receipts after the hand-off: signed, only forward, idempotent.
class ReceiptsTest : public DispatcherTest {
 protected:
  ReceiptsTest() { status_outbox_ = true; }
  tracking::ReceiptRequest Signed(const std::string& body) {
    return {body, {{"x-herald-signature", "sha256=" + tracking::HmacSha256Hex("s3cret", body)}}};
  }
  void SetUp() override {
    DispatcherTest::SetUp();
    handler_ = std::make_unique<tracking::ReceiptHandler>(
        *store_, clock_, registry_,
        tracking::ReceiptHandler::Options{
            .generic_secret = "s3cret",
            .twilio_auth_token = "tw1l10",
            .twilio_public_url = "https://herald.example/receipts/twilio"});
  }
  std::unique_ptr<tracking::ReceiptHandler> handler_;
};

TEST_F(ReceiptsTest, ReceiptsMoveANotificationForwardOnlyAndOnce) {
  const std::string id = Queue(1)[0];
  auto dispatcher = Make();
  ASSERT_EQ(*dispatcher->RunOnce(), 1);  // SENT as p-1
  clock_.Advance(std::chrono::seconds(5));

  const std::string delivered = R"({"id": "p-1", "status": "delivered"})";
  tracking::ReceiptReply reply = handler_->Generic(Signed(delivered));
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.body, "applied: " + id + " is DELIVERED\n");
  EXPECT_EQ(Get(id).state, NotificationState::kDelivered);
  // The same again, and a late "sent": nothing changes.
  EXPECT_EQ(handler_->Generic(Signed(delivered)).body,
            "ignored: " + id + " is already DELIVERED\n");
  EXPECT_EQ(handler_->Generic(Signed(R"({"id": "p-1", "status": "sent"})")).status, 200);
  core::Notification n = Get(id);
  EXPECT_EQ(n.state, NotificationState::kDelivered);
  EXPECT_EQ(n.history.back().detail, "receipt: sms provider: delivered");
  EXPECT_EQ(n.history.back().change_time, clock_.Now());

  // Unsigned, wrongly signed, malformed, unknown: refused, and nothing changed.
  tracking::ReceiptRequest unsigned_request{R"({"id": "p-1", "status": "failed"})", {}};
  EXPECT_EQ(handler_->Generic(unsigned_request).status, 401);
  tracking::ReceiptRequest forged = Signed(R"({"id": "p-1", "status": "delivered"})");
  forged.body = R"({"id": "p-1", "status": "failed"})";
  EXPECT_EQ(handler_->Generic(forged).status, 401);
  EXPECT_EQ(handler_->Generic(Signed("not json")).status, 400);
  EXPECT_EQ(handler_->Generic(Signed(R"({"id": "p-1", "status": "lost"})")).body,
            "status: \"lost\" is not sent, delivered, undelivered or failed\n");
  tracking::ReceiptReply held = handler_->Generic(Signed(R"({"id": "nope", "status": "failed"})"));
  EXPECT_EQ(held.status, 202);
  EXPECT_EQ(held.body,
            "held: no message has id \"nope\" yet; applied when its hand-off is recorded (kept "
            "24h)\n");
  EXPECT_EQ(Get(id).state, NotificationState::kDelivered);
}

TEST_F(ReceiptsTest, AReceiptBeforeTheHandOffIsRecordedIsHeldAndThenApplied) {
  const std::string id = Queue(1)[0];
  auto dispatcher = Make();
  // The provider calls back while the send is still in hand: first "delivered", then
  // "sent" (out of order), both before the dispatcher has recorded the id p-1.
  // The hand-off's result is recorded two seconds after the receipts came.
  sms_.during_send = [&](const Delivery&) {
    EXPECT_EQ(handler_->Generic(Signed(R"({"id": "p-1", "status": "delivered"})")).status, 202);
    clock_.Advance(std::chrono::seconds(1));
    EXPECT_EQ(handler_->Generic(Signed(R"({"id": "p-1", "status": "sent"})")).status, 202);
    clock_.Advance(std::chrono::seconds(1));
  };
  ASSERT_EQ(*dispatcher->RunOnce(), 1);
  const core::Notification n = Get(id);
  EXPECT_EQ(n.state, NotificationState::kDelivered);
  ASSERT_GE(n.history.size(), 2u);
  // In the history after SENT, at the time it was recorded, not before it.
  EXPECT_EQ(n.history[n.history.size() - 2].state, NotificationState::kSent);
  EXPECT_EQ(n.history.back().state, NotificationState::kDelivered);
  EXPECT_EQ(n.history.back().detail,
            "receipt: sms provider: delivered (held until the hand-off was recorded)");
  EXPECT_EQ(n.history.back().change_time, clock_.Now());
  // And on the status topic in that order.
  auto changes = store_->ListStatusOutbox(100);
  ASSERT_TRUE(changes.ok());
  ASSERT_GE(changes->size(), 2u);
  EXPECT_EQ(changes->at(changes->size() - 2).state, NotificationState::kSent);
  EXPECT_EQ(changes->back().previous_state, NotificationState::kSent);
  EXPECT_EQ(changes->back().state, NotificationState::kDelivered);
  EXPECT_EQ(changes->back().provider_message_id, "p-1");

  // Applied once: the held receipts are gone, and a repeat now is just a repeat.
  EXPECT_EQ(handler_->Generic(Signed(R"({"id": "p-1", "status": "delivered"})")).body,
            "ignored: " + id + " is already DELIVERED\n");
}

TEST_F(ReceiptsTest, AnUndeliveredSmsGoesOnByEmailAndABouncedNumberIsSuppressed) {
  const std::vector<std::string> queued = Queue(3);
  auto dispatcher = Make();
  ASSERT_EQ(*dispatcher->RunOnce(), 3);
  std::map<std::string, std::string> by_provider_id;  // p-1.. in the order they were sent
  for (const std::string& id : queued) by_provider_id[Get(id).attempts[0].provider_message_id] = id;

  EXPECT_EQ(
      handler_->Generic(Signed(R"({"id": "p-1", "status": "undelivered", "error": "x"})")).status,
      200);
  core::Notification n = Get(by_provider_id["p-1"]);
  EXPECT_EQ(n.state, NotificationState::kQueued);
  EXPECT_EQ(n.channel, Channel::kEmail);
  EXPECT_EQ(*dispatcher->RunOnce(), 1);
  EXPECT_EQ(Get(by_provider_id["p-1"]).state, NotificationState::kSent);
  EXPECT_EQ(email_.seen().size(), 1u);

  // Twilio's callback, signed over the URL and the parameters in name order.
  auto twilio = [&](const std::string& sid, const std::string& code) {
    const std::string form = "MessageSid=" + sid + "&MessageStatus=undelivered&ErrorCode=" + code;
    const std::string text = "https://herald.example/receipts/twilioErrorCode" + code +
                             "MessageSid" + sid + "MessageStatusundelivered";
    return tracking::ReceiptRequest{
        form, {{"x-twilio-signature", tracking::HmacSha1Base64("tw1l10", text)}}};
  };
  // 30003, a handset off or out of reach: a failure (the next channel), not a wrong number.
  EXPECT_EQ(handler_->Twilio(twilio("p-2", "30003")).status, 200);
  EXPECT_EQ(Get(by_provider_id["p-2"]).channel, Channel::kEmail);
  EXPECT_TRUE(store_->GetProfile("anna")->suppressions.empty());
  // 30005, an unknown number: bounced, and SMS suppressed for the customer.
  tracking::ReceiptRequest unknown = twilio("p-3", "30005");
  tracking::ReceiptReply reply = handler_->Twilio(unknown);
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(Get(by_provider_id["p-3"]).channel, Channel::kEmail);  // next channel
  absl::StatusOr<core::Profile> anna = store_->GetProfile("anna");
  ASSERT_TRUE(anna.ok());
  ASSERT_EQ(anna->suppressions.size(), 1u);
  EXPECT_EQ(anna->suppressions[0].channel, Channel::kSms);
  unknown.headers["x-twilio-signature"] = "AAAA";
  EXPECT_EQ(handler_->Twilio(unknown).status, 401);
}

TEST_F(ReceiptsTest, AHeldFailureMovesToTheNextChannelAndOldHeldReceiptsAreDropped) {
  // A receipt for an id nobody records within a day is dropped when the next is held.
  EXPECT_EQ(handler_->Generic(Signed(R"({"id": "p-2", "status": "failed"})")).status, 202);
  clock_.Advance(std::chrono::hours(25));
  EXPECT_EQ(handler_->Generic(Signed(R"({"id": "other", "status": "delivered"})")).status, 202);

  // p-1's failure comes before anything has that id.
  EXPECT_EQ(
      handler_->Generic(Signed(R"({"id": "p-1", "status": "undelivered", "error": "x"})")).status,
      202);
  const std::vector<std::string> ids = Queue(2);
  auto dispatcher = Make();
  ASSERT_EQ(*dispatcher->RunOnce(), 2);
  const bool first_is_p1 = Get(ids[0]).attempts[0].provider_message_id == "p-1";
  const std::string p1 = first_is_p1 ? ids[0] : ids[1];
  const std::string p2 = first_is_p1 ? ids[1] : ids[0];
  // p-1: undelivered by SMS, so at once QUEUED on email.
  EXPECT_EQ(Get(p1).state, NotificationState::kQueued);
  EXPECT_EQ(Get(p1).channel, Channel::kEmail);
  // p-2's day-old failure was dropped: still SENT.
  EXPECT_EQ(Get(p2).attempts[0].provider_message_id, "p-2");
  EXPECT_EQ(Get(p2).state, NotificationState::kSent);
}

TEST_F(ReceiptsTest, AnEmailBounceNamesTheMessageIdAndSuppressesEmail) {
  const std::string id = Queue(1)[0];
  auto dispatcher = Make();
  sms_.Then(SendOutcome::kPermanent, "HTTP 400: no SMS for this number");
  const std::string message_id = "<" + id + "@herald.example>";
  auto receipt = [&](const std::string& status) {
    return Signed(R"({"message_id": ")" + message_id + R"(", "status": ")" + status +
                  R"(", "error": "550 5.1.1 no such user"})");
  };
  // While the email is in hand, the receipt is too early: try again.
  email_.during_send = [&](const Delivery&) {
    tracking::ReceiptReply early = handler_->Email(receipt("delivered"));
    EXPECT_EQ(early.status, 503);
    EXPECT_EQ(early.body, id + " is still being handed off; send the receipt again shortly\n");
  };
  ASSERT_EQ(*dispatcher->RunOnce(), 1);  // SMS refused: QUEUED on EMAIL
  ASSERT_EQ(*dispatcher->RunOnce(), 1);
  ASSERT_EQ(Get(id).state, NotificationState::kSent);
  email_.during_send = nullptr;

  tracking::ReceiptReply bounced = handler_->Email(receipt("bounced"));
  EXPECT_EQ(bounced.status, 200) << bounced.body;
  EXPECT_EQ(bounced.body, "applied: " + id + " is BOUNCED\n");
  const core::Notification n = Get(id);
  EXPECT_EQ(n.state, NotificationState::kBounced);
  EXPECT_EQ(n.history.back().detail, "receipt: email: bounced (550 5.1.1 no such user)");
  absl::StatusOr<core::Profile> anna = store_->GetProfile("anna");
  ASSERT_TRUE(anna.ok());
  ASSERT_EQ(anna->suppressions.size(), 1u);
  EXPECT_EQ(anna->suppressions[0].channel, Channel::kEmail);
  EXPECT_EQ(anna->suppressions[0].reason, core::SuppressionReason::kHardBounce);
  EXPECT_EQ(handler_->Email(receipt("delivered")).body, "ignored: " + id + " is already BOUNCED\n");

  // Refused, and nothing changed: unsigned, not a Message-ID, a status it does not
  // know, a notification never sent by email.
  tracking::ReceiptRequest unsigned_request = receipt("delivered");
  unsigned_request.headers.clear();
  EXPECT_EQ(handler_->Email(unsigned_request).status, 401);
  EXPECT_EQ(handler_->Email(Signed(R"({"message_id": "n-1", "status": "delivered"})")).body,
            "message_id: \"n-1\" is not a Message-ID (<NOTIFICATION_ID@domain>)\n");
  EXPECT_EQ(handler_->Email(receipt("opened")).status, 400);
  tracking::ReceiptReply unknown =
      handler_->Email(Signed(R"({"message_id": "<n-0@herald.example>", "status": "delivered"})"));
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body, "no EMAIL message for \"n-0\"\n");
  EXPECT_EQ(Get(id).state, NotificationState::kBounced);
}

class StatusOutboxTest : public DispatcherTest {
 protected:
  StatusOutboxTest() { status_outbox_ = true; }

  std::vector<store::StatusChange> Outbox() {
    auto changes = store_->ListStatusOutbox(100);
    EXPECT_TRUE(changes.ok()) << changes.status();
    return changes.ok() ? *changes : std::vector<store::StatusChange>{};
  }
};

TEST_F(StatusOutboxTest, EveryStateChangeWaitsInTheOutboxInTheOrderItHappened) {
  const std::string id = Queue(1)[0];
  auto dispatcher = Make();
  sms_.Then(SendOutcome::kPermanent, "HTTP 400: unknown number");
  EXPECT_EQ(*dispatcher->RunOnce(), 1);  // SMS refused: QUEUED on EMAIL
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_EQ(*dispatcher->RunOnce(), 1);  // accepted by email as p-1
  clock_.Advance(std::chrono::seconds(1));
  auto receipt = store_->ApplyReceipt({.channel = Channel::kEmail,
                                       .provider_message_id = "p-1",
                                       .state = NotificationState::kDelivered,
                                       .time = clock_.Now(),
                                       .detail = "dsn: delivered"});
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  EXPECT_EQ(receipt->outcome, store::ReceiptResult::Outcome::kApplied);

  const std::vector<store::StatusChange> changes = Outbox();
  struct Step {
    NotificationState from;
    NotificationState to;
    std::optional<Channel> channel;
    int attempt;
    std::string provider_message_id;
  };
  const std::vector<Step> expected = {
      {NotificationState::kPending, NotificationState::kQueued, Channel::kSms, 0, ""},
      {NotificationState::kQueued, NotificationState::kSending, Channel::kSms, 1, ""},
      {NotificationState::kSending, NotificationState::kQueued, Channel::kEmail, 1, ""},
      {NotificationState::kQueued, NotificationState::kSending, Channel::kEmail, 2, ""},
      {NotificationState::kSending, NotificationState::kSent, Channel::kEmail, 2, "p-1"},
      {NotificationState::kSent, NotificationState::kDelivered, Channel::kEmail, 2, "p-1"},
  };
  ASSERT_EQ(changes.size(), expected.size());
  for (size_t i = 0; i < changes.size(); ++i) {
    const store::StatusChange& c = changes[i];
    SCOPED_TRACE(i);
    if (i > 0) {
      EXPECT_GT(c.sequence, changes[i - 1].sequence);
    }
    EXPECT_EQ(c.notification_id, id);
    EXPECT_EQ(c.customer_id, "anna");
    EXPECT_EQ(c.event_id, "e-1");
    EXPECT_EQ(c.event_type, "order.shipped");
    EXPECT_EQ(c.template_name, "order-shipped");
    EXPECT_EQ(c.template_version, 1);
    EXPECT_EQ(c.category, core::Category::kOrderUpdate);
    EXPECT_EQ(c.previous_state, expected[i].from);
    EXPECT_EQ(c.state, expected[i].to);
    EXPECT_EQ(c.channel, expected[i].channel);
    EXPECT_EQ(c.attempt, expected[i].attempt);
    EXPECT_EQ(c.provider_message_id, expected[i].provider_message_id);
  }
  EXPECT_EQ(changes[0].reason, "ALLOWED");
  EXPECT_EQ(changes[2].detail, "refused on SMS: HTTP 400: unknown number; next: EMAIL");
  EXPECT_EQ(changes[2].reason, "");
  EXPECT_EQ(changes[5].detail, "receipt: dsn: delivered");
  EXPECT_EQ(changes[5].change_time, clock_.Now());

  // Acknowledged changes are gone; the rest stay, in order.
  ASSERT_TRUE(store_->AckStatusOutbox(changes[2].sequence).ok());
  const std::vector<store::StatusChange> left = Outbox();
  ASSERT_EQ(left.size(), 3u);
  EXPECT_EQ(left[0], changes[3]);
}

TEST_F(StatusOutboxTest, ASuppressedNotificationSaysWhy) {
  auto anna = store_->MutateProfile("anna", [](const core::Profile* p) {
    core::Profile changed = *p;
    for (Channel c : {Channel::kSms, Channel::kEmail}) {
      changed.consents.push_back(
          {core::Category::kOrderUpdate, c, core::ConsentState::kDenied, "test", {}});
    }
    return absl::StatusOr<core::Profile>(changed);
  });
  ASSERT_TRUE(anna.ok()) << anna.status();
  const std::string id = Queue(1)[0];
  const std::vector<store::StatusChange> changes = Outbox();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].notification_id, id);
  EXPECT_EQ(changes[0].state, NotificationState::kSuppressed);
  EXPECT_EQ(changes[0].reason, "NO_CONSENT");
  EXPECT_FALSE(changes[0].detail.empty());
}

TEST_F(DispatcherTest, AStoreWithoutAStatusOutboxKeepsNone) {
  Queue(1);
  auto dispatcher = Make();
  EXPECT_EQ(*dispatcher->RunOnce(), 1);
  auto changes = store_->ListStatusOutbox(100);
  ASSERT_TRUE(changes.ok()) << changes.status();
  EXPECT_TRUE(changes->empty());
}

TEST_F(StatusOutboxTest, ThePublisherForgetsOnlyWhatTheTopicHas) {
  Queue(3);  // three QUEUED changes
  std::vector<std::vector<int64_t>> published;
  absl::Status answer = absl::UnavailableError("broker down");
  tracking::StatusPublisher publisher(
      *store_,
      [&](const std::vector<store::StatusChange>& changes, std::chrono::milliseconds) {
        std::vector<int64_t> sequences;
        for (const auto& c : changes) sequences.push_back(c.sequence);
        published.push_back(sequences);
        return answer;
      },
      clock_, registry_, tracking::StatusPublisher::Options{.max_batch = 2});

  clock_.Advance(std::chrono::seconds(90));
  EXPECT_EQ(publisher.PublishOnce().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Outbox().size(), 3u);  // nothing lost
  EXPECT_EQ(Metric("herald_status_outbox_oldest_seconds"), 90);
  EXPECT_EQ(Metric("herald_status_publish_failures_total"), 1);

  answer = absl::OkStatus();
  EXPECT_EQ(*publisher.PublishOnce(), 2);  // the same two again: at least once
  EXPECT_EQ(*publisher.PublishOnce(), 1);
  EXPECT_EQ(*publisher.PublishOnce(), 0);
  ASSERT_EQ(published.size(), 3u);
  EXPECT_EQ(published[0], published[1]);
  EXPECT_EQ(published[1].size(), 2u);
  ASSERT_EQ(published[2].size(), 1u);
  EXPECT_GT(published[2][0], published[1][1]);
  EXPECT_TRUE(Outbox().empty());
  EXPECT_EQ(Metric("herald_status_outbox_oldest_seconds"), 0);
  EXPECT_EQ(Metric("herald_status_changes_published_total"), 3);

  // Later changes are published from where it left off.
  Queue(1);
  EXPECT_EQ(*publisher.PublishOnce(), 1);
  EXPECT_GT(published.back()[0], published[2][0]);
}

TEST_F(StatusOutboxTest, StoppingPublishesWhatIsLeftAndAFailureKeepsItForTheNextStart) {
  Queue(3);
  int calls = 0;
  auto make = [&](absl::Status answer) {
    return std::make_unique<tracking::StatusPublisher>(
        *store_,
        [&calls, answer](const std::vector<store::StatusChange>&, std::chrono::milliseconds) {
          ++calls;
          return answer;
        },
        clock_, registry_, tracking::StatusPublisher::Options{.max_batch = 2});
  };
  make(absl::UnavailableError("broker down"))->Stop();  // one try, then give up
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(Outbox().size(), 3u);
  calls = 0;
  make(absl::OkStatus())->Stop();  // two batches
  EXPECT_EQ(calls, 2);
  EXPECT_TRUE(Outbox().empty());
}

TEST(TokenBucket, RefillsAtItsRateUpToTheBurst) {
  const core::Time t0 = Utc(2026, 1, 1, 0);
  TokenBucket bucket(2, 3, t0);
  EXPECT_EQ(bucket.Available(t0), 3);
  bucket.Take(3);
  EXPECT_EQ(bucket.Available(t0), 0);
  EXPECT_EQ(bucket.NextToken(t0), t0 + std::chrono::milliseconds(500));
  EXPECT_EQ(bucket.Available(t0 + std::chrono::seconds(1)), 2);
  EXPECT_EQ(bucket.Available(t0 + std::chrono::seconds(60)), 3);
}

}  // namespace
}  // namespace herald::dispatch
