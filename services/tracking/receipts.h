#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

#include <map>
#include <string>

#include "services/core/clock.h"
#include "services/store/store.h"

namespace herald::tracking {

/// An HTTP request as the receipt endpoints see it.
struct ReceiptRequest {
  std::string body;
  /// Header names in lowercase.
  std::map<std::string, std::string> headers;
};

struct ReceiptReply {
  int status = 200;
  std::string body;
};

/// Delivery receipts from SMS providers, in two forms:
///  - generic JSON (POST /receipts/sms): {"id": provider message id, "status":
///    "sent" | "delivered" | "undelivered" | "failed", "error": "..."}, signed with
///    "X-Herald-Signature: sha256=HEX" = HMAC-SHA256(secret, body);
///  - Twilio's status callback (POST /receipts/twilio): form MessageSid, MessageStatus,
///    ErrorCode, signed with X-Twilio-Signature = base64(HMAC-SHA1(auth token, the
///    public URL followed by every parameter name and value in name order)).
/// Unsigned or wrongly signed receipts get 401 and change nothing; malformed ones 400
/// naming what is wrong; an id no attempt has 404 (the provider may retry).
/// Receipts only move a notification forward, so a repeat or a late one is harmless
/// (200, "ignored").
class ReceiptHandler {
 public:
  struct Options {
    std::string generic_secret;  // empty: the generic endpoint refuses everything
    std::string twilio_auth_token;
    std::string twilio_public_url;  // the callback URL exactly as the provider calls it
  };

  ReceiptHandler(store::Store& store, const core::Clock& clock, prometheus::Registry& registry,
                 Options options);

  ReceiptReply Generic(const ReceiptRequest& request);
  ReceiptReply Twilio(const ReceiptRequest& request);

 private:
  ReceiptReply Apply(std::string_view form, const store::Receipt& receipt);

  store::Store& store_;
  const core::Clock& clock_;
  const Options options_;
  prometheus::Family<prometheus::Counter>& receipts_;
};

/// HMAC-SHA256 of `data` as lowercase hex; HMAC-SHA1 as base64 (for tests and senders).
std::string HmacSha256Hex(std::string_view key, std::string_view data);
std::string HmacSha1Base64(std::string_view key, std::string_view data);

}  // namespace herald::tracking
