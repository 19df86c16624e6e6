#include "services/tracking/receipts.h"

#include <google/protobuf/util/json_util.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <charconv>
#include <vector>

#include "services/core/form.h"
#include "services/core/masking.h"
#include "services/core/strings.h"

namespace herald::tracking {
namespace {

// A receipt comes seconds (SMS) to hours (a late bounce) after its hand-off.
std::vector<double> ReceiptBucketsSeconds() {
  return {0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600};
}

std::string Header(const ReceiptRequest& r, const std::string& name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? "" : it->second;
}

bool SameSecret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string Hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(md, key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &length);
  return std::string(reinterpret_cast<char*>(out), length);
}

ReceiptReply Reply(int status, std::string body) { return ReceiptReply{status, std::move(body)}; }

// What a receipt says, for the history: "twilio: undelivered (30003)".
std::string Detail(std::string_view source, std::string_view status, std::string_view reason) {
  // A provider's reason may quote the address or number.
  return core::StrCat(source, ": ", status,
                      reason.empty() ? "" : core::StrCat(" (", core::MaskContactData(reason), ")"));
}

// The provider's status word as Herald's state; nullopt for in-between words
// ("queued", "sending", "accepted") that say nothing new.
std::optional<core::NotificationState> StateOf(std::string_view status) {
  if (status == "sent") return core::NotificationState::kSent;
  if (status == "delivered" || status == "read") return core::NotificationState::kDelivered;
  if (status == "undelivered" || status == "failed") return core::NotificationState::kFailed;
  return std::nullopt;
}

}  // namespace

std::string HmacSha256Hex(std::string_view key, std::string_view data) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : Hmac(EVP_sha256(), key, data)) {
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
  }
  return out;
}

std::string HmacSha1Base64(std::string_view key, std::string_view data) {
  const std::string mac = Hmac(EVP_sha1(), key, data);
  std::string out(4 * ((mac.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(mac.data()),
                                static_cast<int>(mac.size()));
  out.resize(n);
  return out;
}

ReceiptHandler::ReceiptHandler(store::ReceiptStore& store, const core::Clock& clock,
                               prometheus::Registry& registry, Options options)
    : store_(store),
      clock_(clock),
      options_(std::move(options)),
      receipts_(prometheus::BuildCounter()
                    .Name("herald_receipts_total")
                    .Help("Provider delivery receipts, by form and result")
                    .Register(registry)),
      latency_(prometheus::BuildHistogram()
                   .Name("herald_hand_off_to_receipt_seconds")
                   .Help("From a hand-off to the provider's receipt that moved the notification "
                         "on (DELIVERED, BOUNCED, FAILED...), by channel and the state it "
                         "reached")
                   .Register(registry)) {}

ReceiptReply ReceiptHandler::Apply(std::string_view form, store::Receipt receipt) {
  receipt.time = clock_.Now();
  absl::StatusOr<store::ReceiptResult> result = store_.ApplyReceipt(receipt);
  if (!result.ok()) {
    receipts_.Add({{"form", std::string(form)}, {"result", "error"}}).Increment();
    return Reply(503,
                 core::StrCat("cannot record the receipt now: ", result.status().message(), "\n"));
  }
  switch (result->outcome) {
    case store::ReceiptResult::Outcome::kApplied:
      receipts_.Add({{"form", std::string(form)}, {"result", "applied"}}).Increment();
      if (result->hand_off_time) {
        latency_
            .Add({{"channel", std::string(core::Name(receipt.channel))},
                  {"state", std::string(core::Name(result->state))}},
                 ReceiptBucketsSeconds())
            .Observe(std::max(
                0.0, std::chrono::duration<double>(receipt.time - *result->hand_off_time).count()));
      }
      return Reply(200, core::StrCat("applied: ", result->notification_id, " is ",
                                     core::Name(result->state), "\n"));
    case store::ReceiptResult::Outcome::kIgnored:
      receipts_.Add({{"form", std::string(form)}, {"result", "ignored"}}).Increment();
      return Reply(200, core::StrCat("ignored: ", result->notification_id, " is already ",
                                     core::Name(result->state), "\n"));
    case store::ReceiptResult::Outcome::kInFlight:
      receipts_.Add({{"form", std::string(form)}, {"result", "in_flight"}}).Increment();
      return Reply(503,
                   core::StrCat(result->notification_id,
                                " is still being handed off; send the receipt again shortly\n"));
    case store::ReceiptResult::Outcome::kUnknownMessage:
      receipts_.Add({{"form", std::string(form)}, {"result", "unknown"}}).Increment();
      return Reply(404, core::StrCat("no ", core::Name(receipt.channel), " message for \"",
                                     receipt.notification_id, "\"\n"));
    case store::ReceiptResult::Outcome::kHeld:
      break;
  }
  // Most likely the provider called back before the hand-off's result was recorded.
  receipts_.Add({{"form", std::string(form)}, {"result", "held"}}).Increment();
  return Reply(202, core::StrCat("held: no message has id \"", receipt.provider_message_id,
                                 "\" yet; applied when its hand-off is recorded (kept 24h)\n"));
}

std::map<std::string, std::string> SignReceipt(std::string_view secret, std::string_view body,
                                               core::Time at) {
  const std::string timestamp = std::to_string(
      std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count());
  return {{"x-herald-timestamp", timestamp},
          {"x-herald-signature",
           "sha256=" + HmacSha256Hex(secret, core::StrCat(timestamp, ".", body))}};
}

bool ReceiptHandler::SeenBefore(const std::string& signature) {
  // Bounded: past the cap the oldest are forgotten (a receipt only moves a notification
  // forward, so one received again after that still changes nothing).
  constexpr size_t kMaxRemembered = 100'000;
  const core::Time now = clock_.Now();
  std::lock_guard lock(seen_mu_);
  while (!seen_order_.empty() && (now - seen_order_.front().first > options_.replay_window ||
                                  seen_order_.size() >= kMaxRemembered)) {
    seen_.erase(seen_order_.front().second);
    seen_order_.pop_front();
  }
  if (!seen_.insert(signature).second) return true;
  seen_order_.emplace_back(now, signature);
  return false;
}

std::optional<ReceiptReply> ReceiptHandler::ReadSignedJson(std::string_view form,
                                                           const ReceiptRequest& request,
                                                           google::protobuf::Struct& body) {
  auto refuse = [&](std::string_view result, std::string message) {
    receipts_.Add({{"form", std::string(form)}, {"result", std::string(result)}}).Increment();
    return Reply(401, std::move(message));
  };
  const std::string timestamp = Header(request, "x-herald-timestamp");
  const std::string signature = Header(request, "x-herald-signature");
  if (options_.generic_secret.empty() || signature.empty() ||
      !SameSecret(signature,
                  "sha256=" + HmacSha256Hex(options_.generic_secret,
                                            core::StrCat(timestamp, ".", request.body)))) {
    return refuse("unauthenticated",
                  "missing or wrong X-Herald-Signature (HMAC-SHA256 of X-Herald-Timestamp, "
                  "\".\" and the body)\n");
  }
  int64_t seconds = 0;
  const auto [end, error] =
      std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), seconds);
  const core::Time signed_at{std::chrono::seconds(seconds)};
  const auto age = clock_.Now() - signed_at;
  if (error != std::errc() || end != timestamp.data() + timestamp.size() ||
      age > options_.replay_window || -age > options_.replay_window) {
    return refuse("stale",
                  core::StrCat("stale: X-Herald-Timestamp \"", timestamp, "\" is more than ",
                               options_.replay_window.count(), "s from now\n"));
  }
  if (SeenBefore(signature)) {
    receipts_.Add({{"form", std::string(form)}, {"result", "replayed"}}).Increment();
    return Reply(200, "ignored: this receipt was received before\n");
  }
  if (!google::protobuf::util::JsonStringToMessage(request.body, &body).ok()) {
    return Reply(400, "the body is not a JSON object\n");
  }
  return std::nullopt;
}

namespace {

std::string TextField(const google::protobuf::Struct& body, const std::string& name) {
  auto it = body.fields().find(name);
  return it != body.fields().end() && it->second.has_string_value() ? it->second.string_value()
                                                                    : "";
}

}  // namespace

ReceiptReply ReceiptHandler::Generic(const ReceiptRequest& request) {
  google::protobuf::Struct body;
  if (auto refused = ReadSignedJson("generic", request, body)) return *refused;
  store::Receipt receipt;
  receipt.channel = core::Channel::kSms;
  receipt.provider_message_id = TextField(body, "id");
  if (receipt.provider_message_id.empty()) return Reply(400, "id: must be set\n");
  const std::string status = TextField(body, "status");
  std::optional<core::NotificationState> state = StateOf(status);
  if (!state) {
    if (status == "queued" || status == "accepted" || status == "sending") {
      return Reply(200, "ignored: nothing new\n");
    }
    return Reply(400, core::StrCat("status: \"", status,
                                   "\" is not sent, delivered, undelivered or failed\n"));
  }
  receipt.state = *state;
  receipt.detail = Detail("sms provider", status, TextField(body, "error"));
  return Apply("generic", std::move(receipt));
}

ReceiptReply ReceiptHandler::Email(const ReceiptRequest& request) {
  google::protobuf::Struct body;
  if (auto refused = ReadSignedJson("email", request, body)) return *refused;
  // <NOTIFICATION_ID@domain>, as the email connector sets it.
  const std::string given = TextField(body, "message_id");
  std::string_view message_id = given;
  if (message_id.size() >= 2 && message_id.front() == '<' && message_id.back() == '>') {
    message_id = message_id.substr(1, message_id.size() - 2);
  }
  const size_t at = message_id.find('@');
  if (at == 0 || at == std::string_view::npos) {
    return Reply(400, core::StrCat("message_id: \"", given,
                                   "\" is not a Message-ID (<NOTIFICATION_ID@domain>)\n"));
  }
  store::Receipt receipt;
  receipt.channel = core::Channel::kEmail;
  receipt.notification_id = std::string(message_id.substr(0, at));
  const std::string status = TextField(body, "status");
  if (status == "bounced") {
    receipt.state = core::NotificationState::kBounced;  // the address does not exist
  } else if (status == "delivered") {
    receipt.state = core::NotificationState::kDelivered;
  } else if (status == "failed") {
    receipt.state = core::NotificationState::kFailed;  // e.g. a full mailbox, refused content
  } else if (status == "delayed") {
    return Reply(200, "ignored: nothing new\n");
  } else {
    return Reply(400, core::StrCat("status: \"", status,
                                   "\" is not delivered, delayed, failed or bounced\n"));
  }
  receipt.detail = Detail("email", status, TextField(body, "error"));
  return Apply("email", std::move(receipt));
}

ReceiptReply ReceiptHandler::Twilio(const ReceiptRequest& request) {
  const std::map<std::string, std::string> form = core::ParseForm(request.body);
  std::string signed_text = options_.twilio_public_url;
  for (const auto& [name, value] : form) signed_text += name + value;  // name order
  const std::string signature = Header(request, "x-twilio-signature");
  if (options_.twilio_auth_token.empty() || signature.empty() ||
      !SameSecret(signature, HmacSha1Base64(options_.twilio_auth_token, signed_text))) {
    receipts_.Add({{"form", "twilio"}, {"result", "unauthenticated"}}).Increment();
    return Reply(401, "missing or wrong X-Twilio-Signature\n");
  }
  // Twilio signs no time: a callback received again is known by its signature.
  if (SeenBefore(signature)) {
    receipts_.Add({{"form", "twilio"}, {"result", "replayed"}}).Increment();
    return Reply(200, "ignored: this receipt was received before\n");
  }
  auto field = [&](const std::string& name) {
    auto it = form.find(name);
    return it == form.end() ? std::string() : it->second;
  };
  store::Receipt receipt;
  receipt.channel = core::Channel::kSms;
  receipt.provider_message_id = field("MessageSid");
  if (receipt.provider_message_id.empty()) return Reply(400, "MessageSid: must be set\n");
  const std::string status = field("MessageStatus");
  std::optional<core::NotificationState> state = StateOf(status);
  if (!state) return Reply(200, "ignored: nothing new\n");
  receipt.state = *state;
  // Unknown destination or a landline: the number is wrong. (30003, a handset off or
  // out of reach, is a failure for now, not a wrong number.)
  const std::string code = field("ErrorCode");
  if (*state == core::NotificationState::kFailed && (code == "30005" || code == "30006")) {
    receipt.state = core::NotificationState::kBounced;
  }
  receipt.detail = Detail("twilio", status, code);
  return Apply("twilio", std::move(receipt));
}

}  // namespace herald::tracking
