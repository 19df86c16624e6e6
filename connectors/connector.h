#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "services/core/kinds.h"
#include "services/core/notification.h"

namespace herald::connectors {

/// One rendered message for one address: what the dispatcher hands a connector.
struct Delivery {
  std::string notification_id = {};
  /// 1 for the first hand-off; a retry of the same notification keeps its idempotency
  /// key (Message-ID, provider idempotency header), so a provider can tell.
  int attempt = 1;
  std::string customer_id = {};
  core::Category category = core::Category::kOrderUpdate;
  /// An email address or an E.164 number.
  std::string address = {};
  core::RenderedMessage message;
  /// For INFORMATIONAL and SURVEY email: where one click unsubscribes (RFC 8058).
  std::string unsubscribe_url = {};
};

/// How a hand-off ended.
enum class SendOutcome {
  kAccepted,   // the server or provider took it
  kRetryable,  // not now: try again later (4xx, 429, 5xx from a provider, timeouts)
  kPermanent,  // never on this channel (SMTP 5xx, HTTP 4xx)
};

struct SendResult {
  SendOutcome outcome = SendOutcome::kRetryable;
  /// The server's or provider's own words, e.g. "550 5.1.1 <x@example.nl>: user unknown".
  std::string detail = {};
  /// The provider's id for the message (SMTP queue id, SMS message id), when it says.
  std::string provider_message_id = {};
  /// A permanent failure because the address does not exist (a hard bounce): the
  /// channel is suppressed for the customer.
  bool address_rejected = false;
  /// How long the provider asked to wait (Retry-After).
  std::optional<std::chrono::seconds> retry_after;
};

std::string_view Name(SendOutcome outcome);

/// A delivery channel's client. Send blocks until the server or provider answered or
/// the connector's timeout passed; it is safe to call from several threads.
class Connector {
 public:
  virtual ~Connector() = default;
  virtual core::Channel channel() const = 0;
  virtual SendResult Send(const Delivery& delivery) = 0;
};

}  // namespace herald::connectors
