// Provider receipts after the hand-off: signed, only forward, idempotent, held when
// they come early, the next channel after a failure, bounces suppressing the channel.
#include "services/tracking/receipts.h"

#include "tests/unit/dispatch/dispatch_fixture.h"

namespace herald::dispatch {
namespace {

using ::testing::HasSubstr;

// Provider receipts after the hand-off: signed, only forward, idempotent.
class ReceiptsTest : public DispatcherTest {
 protected:
  ReceiptsTest() { status_outbox_ = true; }
  tracking::ReceiptRequest Signed(const std::string& body) {
    return {body, tracking::SignReceipt("s3cret", body, clock_.Now())};
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
  // Five seconds from the hand-off to the receipt, by channel and the state reached.
  bool observed = false;
  for (const prometheus::MetricFamily& family : registry_.Collect()) {
    if (family.name != "herald_hand_off_to_receipt_seconds") continue;
    ASSERT_EQ(family.metric.size(), 1u);
    const prometheus::ClientMetric& m = family.metric[0];
    EXPECT_EQ(m.label.at(0).value, "SMS");
    EXPECT_EQ(m.label.at(1).value, "DELIVERED");
    EXPECT_EQ(m.histogram.sample_count, 1u);
    EXPECT_DOUBLE_EQ(m.histogram.sample_sum, 5.0);
    observed = true;
  }
  EXPECT_TRUE(observed);
  // The same request again (a replay), the same receipt signed anew, and a late "sent":
  // nothing changes.
  EXPECT_EQ(handler_->Generic(Signed(delivered)).body,
            "ignored: this receipt was received before\n");
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_EQ(handler_->Generic(Signed(delivered)).body,
            "ignored: " + id + " is already DELIVERED\n");
  EXPECT_EQ(handler_->Generic(Signed(R"({"id": "p-1", "status": "sent"})")).status, 200);
  core::Notification n = Get(id);
  EXPECT_EQ(n.state, NotificationState::kDelivered);
  EXPECT_EQ(n.history.back().detail, "receipt: sms provider: delivered");
  EXPECT_EQ(n.history.back().change_time, clock_.Now() - std::chrono::seconds(1));

  // Signed too long ago (or ahead), or the old way without a timestamp: refused.
  const std::string failed = R"({"id": "p-1", "status": "failed"})";
  tracking::ReceiptRequest stale{
      failed, tracking::SignReceipt("s3cret", failed, clock_.Now() - std::chrono::minutes(6))};
  tracking::ReceiptReply refused = handler_->Generic(stale);
  EXPECT_EQ(refused.status, 401);
  EXPECT_THAT(refused.body, HasSubstr("is more than 300s from now"));
  EXPECT_EQ(handler_
                ->Generic({failed, tracking::SignReceipt("s3cret", failed,
                                                         clock_.Now() + std::chrono::minutes(6))})
                .status,
            401);
  tracking::ReceiptRequest untimed{
      failed, {{"x-herald-signature", "sha256=" + tracking::HmacSha256Hex("s3cret", failed)}}};
  EXPECT_EQ(handler_->Generic(untimed).status, 401);
  EXPECT_EQ(Get(id).state, NotificationState::kDelivered);

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
  clock_.Advance(std::chrono::seconds(1));  // signed anew: not a replay
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

}  // namespace
}  // namespace herald::dispatch
