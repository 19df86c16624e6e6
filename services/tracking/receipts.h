#pragma once

#include <google/protobuf/struct.pb.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "services/core/clock.h"
#include "services/store/store.h"

namespace herald::tracking {

/// An HTTP request as the receipt endpoints see it.
struct ReceiptRequest {
  std::string body = {};
  /// Header names in lowercase.
  std::map<std::string, std::string> headers = {};
  std::string path = {};
  /// The query string's parameters, decoded.
  std::map<std::string, std::string> query = {};
};

struct ReceiptReply {
  int status = 200;
  std::string body = {};
  std::string content_type = "text/plain";
  /// More response headers (Location, Content-Security-Policy, ...).
  std::vector<std::pair<std::string, std::string>> headers = {};
};

/// Delivery receipts, in three forms:
///  - generic JSON for SMS (POST /receipts/sms): {"id": provider message id, "status":
///    "sent" | "delivered" | "undelivered" | "failed", "error": "..."}, signed with
///    "X-Herald-Timestamp: UNIX SECONDS" and "X-Herald-Signature: sha256=HEX" =
///    HMAC-SHA256(secret, TIMESTAMP "." BODY); refused outside the replay window;
///  - Twilio's status callback (POST /receipts/twilio): form MessageSid, MessageStatus,
///    ErrorCode, signed with X-Twilio-Signature = base64(HMAC-SHA1(auth token, the
///    public URL followed by every parameter name and value in name order));
///  - generic JSON for email (POST /receipts/email), e.g. from a bounce processor or an
///    email provider's webhook: {"message_id": "<NOTIFICATION_ID@domain>", "status":
///    "delivered" | "delayed" | "failed" | "bounced", "error": "..."}, signed as the
///    SMS form. "bounced" (the address does not exist) suppresses email for the
///    customer; "failed" moves on to the next channel.
/// Unsigned, wrongly signed or stale receipts get 401 and change nothing; one received
/// again (the same signature, within the window) is answered from memory and changes
/// nothing either; malformed ones 400
/// naming what is wrong. A provider id no attempt has yet is held (202) and applied
/// when the hand-off's result records it; an email whose hand-off is still in hand gets
/// 503 (send again), one never attempted 404. Receipts only move a notification
/// forward, so a repeat or a late one is harmless (200, "ignored").
class ReceiptHandler {
 public:
  struct Options {
    std::string generic_secret = {};  // empty: the generic endpoint refuses everything
    std::string twilio_auth_token = {};
    std::string twilio_public_url = {};  // the callback URL exactly as the provider calls it
    /// How far a signed receipt's timestamp may be from now, either way.
    std::chrono::seconds replay_window{300};
  };

  ReceiptHandler(store::ReceiptStore& store, const core::Clock& clock,
                 prometheus::Registry& registry, Options options);

  ReceiptReply Generic(const ReceiptRequest& request);
  ReceiptReply Twilio(const ReceiptRequest& request);
  ReceiptReply Email(const ReceiptRequest& request);

 private:
  /// A reply when the request is not signed with the generic secret or not JSON.
  std::optional<ReceiptReply> ReadSignedJson(std::string_view form, const ReceiptRequest& request,
                                             google::protobuf::Struct& body);
  /// Stamps the receipt with now and applies it.
  ReceiptReply Apply(std::string_view form, store::Receipt receipt);
  /// Whether this signature was seen within the window (and remembers it).
  bool SeenBefore(const std::string& signature);

  store::ReceiptStore& store_;
  const core::Clock& clock_;
  const Options options_;
  prometheus::Family<prometheus::Counter>& receipts_;
  prometheus::Family<prometheus::Histogram>& latency_;
  std::mutex seen_mu_;
  std::unordered_set<std::string> seen_;                       // signatures within the window
  std::deque<std::pair<core::Time, std::string>> seen_order_;  // the same, oldest first
};

/// The headers that sign a generic receipt body at `at` (for senders and tests):
/// x-herald-timestamp and x-herald-signature.
std::map<std::string, std::string> SignReceipt(std::string_view secret, std::string_view body,
                                               core::Time at);

/// HMAC-SHA256 of `data` as lowercase hex; HMAC-SHA1 as base64 (for tests and senders).
std::string HmacSha256Hex(std::string_view key, std::string_view data);
std::string HmacSha1Base64(std::string_view key, std::string_view data);

}  // namespace herald::tracking
